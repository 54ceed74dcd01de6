using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using WebSocketProtocol.Handshake;
using Xunit;
using static WebSocketProtocol.Tests.Handshake.HandshakeHarness;

namespace WebSocketProtocol.Tests.Handshake;

/// <summary>Malformed and borderline requests, each with the exact outcome expected, whole and in 1-byte packets.</summary>
public class ServerHandshakeTableTests
{
    private static string Without(string header) => Request(ValidHeaders.Where(h => !h.StartsWith(header + ":", StringComparison.Ordinal)).ToArray());

    private static string Replace(string header, string line) =>
        Request(ValidHeaders.Select(h => h.StartsWith(header + ":", StringComparison.Ordinal) ? line : h).ToArray());

    private static string WithRequestLine(string requestLine) => requestLine + "\r\n" + ValidRequest().Split("\r\n", 2)[1];

    public static IEnumerable<object[]> Cases()
    {
        object[] Case(string name, string request, HandshakeOutcome outcome, HandshakeError error) => new object[] { name, request, outcome, error };
        const HandshakeOutcome Ok = HandshakeOutcome.Accepted;
        const HandshakeOutcome No = HandshakeOutcome.Rejected;
        const HandshakeOutcome Plain = HandshakeOutcome.NotWebSocket;

        yield return Case("valid", ValidRequest(), Ok, HandshakeError.None);
        yield return Case("connection token list", Replace("Connection", "Connection: keep-alive, Upgrade"), Ok, HandshakeError.None);
        yield return Case("names and values in other cases", Request("host: example.com", "UPGRADE: WebSocket", "connection: UPGRADE", "sec-websocket-key: " + RfcKey, "SEC-WEBSOCKET-VERSION: 13"), Ok, HandshakeError.None);
        yield return Case("optional white space around values", Replace("Upgrade", "Upgrade: \t websocket \t"), Ok, HandshakeError.None);
        yield return Case("repeated Connection combines", Replace("Connection", "Connection: keep-alive\r\nConnection: Upgrade"), Ok, HandshakeError.None);
        yield return Case("upgrade list with another protocol", Replace("Upgrade", "Upgrade: h2c, websocket"), Ok, HandshakeError.None);
        yield return Case("empty list elements", Replace("Connection", "Connection: ,, Upgrade ,"), Ok, HandshakeError.None);
        yield return Case("HTTP/1.2 is later than 1.1", WithRequestLine("GET / HTTP/1.2"), Ok, HandshakeError.None);
        yield return Case("empty header value elsewhere", ValidRequest("X-Empty:"), Ok, HandshakeError.None);
        yield return Case("obs-text in an unrelated value", ValidRequest("X-Name: caf\u00e9"), Ok, HandshakeError.None);
        yield return Case("same origin http", ValidRequest("Origin: http://example.com"), Ok, HandshakeError.None);
        yield return Case("same origin https other case", ValidRequest("Origin: HTTPS://Example.COM"), Ok, HandshakeError.None);
        yield return Case("32000 spaces of subprotocol", ValidRequest("Sec-WebSocket-Protocol: " + new string(' ', 32000) + "x"), Ok, HandshakeError.None);
        yield return Case("a thousand subprotocol tokens", ValidRequest("Sec-WebSocket-Protocol: " + string.Join(",", Enumerable.Range(0, 1000).Select(i => "p" + i))), Ok, HandshakeError.None);

        yield return Case("POST", WithRequestLine("POST /chat HTTP/1.1"), No, HandshakeError.MethodNotAllowed);
        yield return Case("PUT", WithRequestLine("PUT /chat HTTP/1.1"), No, HandshakeError.MethodNotAllowed);
        yield return Case("lowercase get (methods are case-sensitive)", WithRequestLine("get /chat HTTP/1.1"), No, HandshakeError.MethodNotAllowed);
        yield return Case("HTTP/1.0", WithRequestLine("GET / HTTP/1.0"), No, HandshakeError.HttpVersionTooOld);
        yield return Case("no Host", Without("Host"), No, HandshakeError.InvalidHost);
        yield return Case("two Host", ValidRequest("Host: other.example"), No, HandshakeError.InvalidHost);
        yield return Case("empty Host", Replace("Host", "Host:"), No, HandshakeError.InvalidHost);
        yield return Case("Upgrade without websocket", Replace("Upgrade", "Upgrade: h2c"), No, HandshakeError.MissingUpgradeWebSocket);
        yield return Case("no Upgrade but a key", Without("Upgrade"), No, HandshakeError.MissingUpgradeWebSocket);
        yield return Case("websocket as a substring only", Replace("Upgrade", "Upgrade: websockets"), No, HandshakeError.MissingUpgradeWebSocket);
        yield return Case("Connection without Upgrade", Replace("Connection", "Connection: keep-alive"), No, HandshakeError.MissingConnectionUpgrade);
        yield return Case("no Connection", Without("Connection"), No, HandshakeError.MissingConnectionUpgrade);
        yield return Case("Connection: Upgraded", Replace("Connection", "Connection: Upgraded"), No, HandshakeError.MissingConnectionUpgrade);
        yield return Case("no key", Without("Sec-WebSocket-Key"), No, HandshakeError.InvalidKey);
        yield return Case("key of 15 bytes", Replace("Sec-WebSocket-Key", "Sec-WebSocket-Key: " + Convert.ToBase64String(new byte[15])), No, HandshakeError.InvalidKey);
        yield return Case("key of 17 bytes", Replace("Sec-WebSocket-Key", "Sec-WebSocket-Key: " + Convert.ToBase64String(new byte[17])), No, HandshakeError.InvalidKey);
        yield return Case("key not base64", Replace("Sec-WebSocket-Key", "Sec-WebSocket-Key: !!!!!!!!!!!!!!!!!!!!!!=="), No, HandshakeError.InvalidKey);
        yield return Case("key without padding", Replace("Sec-WebSocket-Key", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ"), No, HandshakeError.InvalidKey);
        yield return Case("key sent twice", ValidRequest("Sec-WebSocket-Key: " + RfcKey), No, HandshakeError.InvalidKey);
        yield return Case("version 8", Replace("Sec-WebSocket-Version", "Sec-WebSocket-Version: 8"), No, HandshakeError.UnsupportedVersion);
        yield return Case("version list 13, 8", Replace("Sec-WebSocket-Version", "Sec-WebSocket-Version: 13, 8"), No, HandshakeError.UnsupportedVersion);
        yield return Case("version sent twice", ValidRequest("Sec-WebSocket-Version: 13"), No, HandshakeError.UnsupportedVersion);
        yield return Case("no version", Without("Sec-WebSocket-Version"), No, HandshakeError.MissingVersion);
        yield return Case("cross origin", ValidRequest("Origin: http://evil.example"), No, HandshakeError.OriginNotAllowed);
        yield return Case("origin null", ValidRequest("Origin: null"), No, HandshakeError.OriginNotAllowed);
        yield return Case("same host other port", ValidRequest("Origin: http://example.com:8080"), No, HandshakeError.OriginNotAllowed);
        yield return Case("two origins", ValidRequest("Origin: http://example.com", "Origin: http://example.com"), No, HandshakeError.OriginNotAllowed);

        yield return Case("bare LF line endings", ValidRequest().Replace("\r\n", "\n"), No, HandshakeError.MalformedRequest);
        yield return Case("space before colon", Replace("Host", "Host : example.com"), No, HandshakeError.MalformedRequest);
        yield return Case("obsolete line folding", Replace("Connection", "Connection: keep-alive,\r\n Upgrade"), No, HandshakeError.MalformedRequest);
        yield return Case("control character in a value", ValidRequest("X-Bad: a\u0001b"), No, HandshakeError.MalformedRequest);
        yield return Case("DEL in a value", ValidRequest("X-Bad: a\u007fb"), No, HandshakeError.MalformedRequest);
        yield return Case("two spaces in the request line", WithRequestLine("GET  / HTTP/1.1"), No, HandshakeError.MalformedRequest);
        yield return Case("no HTTP version", WithRequestLine("GET /"), No, HandshakeError.MalformedRequest);
        yield return Case("lowercase http version", WithRequestLine("GET / http/1.1"), No, HandshakeError.MalformedRequest);
        yield return Case("non-ASCII request target", WithRequestLine("GET /caf\u00e9 HTTP/1.1"), No, HandshakeError.MalformedRequest);
        yield return Case("header name with a separator", ValidRequest("X(bad): 1"), No, HandshakeError.MalformedRequest);
        yield return Case("line without a colon", ValidRequest("NoColonHere"), No, HandshakeError.MalformedRequest);
        yield return Case("empty line before the request line", "\r\n" + ValidRequest(), No, HandshakeError.MalformedRequest);
        yield return Case("request line over 8 KiB", WithRequestLine("GET /" + new string('a', 8200) + " HTTP/1.1"), No, HandshakeError.RequestLineTooLong);
        yield return Case("101 header fields", ValidRequest(Enumerable.Range(0, 96).Select(i => "X-H" + i + ": v").ToArray()), No, HandshakeError.TooManyHeaders);
        yield return Case("head over 32 KiB", ValidRequest(Enumerable.Range(0, 9).Select(i => "X-Big" + i + ": " + new string('b', 4000)).ToArray()), No, HandshakeError.HeadTooLarge);

        yield return Case("plain GET", "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n", Plain, HandshakeError.None);
        yield return Case("plain POST", "POST /form HTTP/1.1\r\nHost: example.com\r\nContent-Length: 0\r\n\r\n", Plain, HandshakeError.None);
        yield return Case("h2c upgrade is not ours", "GET / HTTP/1.1\r\nHost: example.com\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n", Plain, HandshakeError.None);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Each_request_gets_its_exact_outcome_and_status_whole_and_in_one_byte_packets(string name, string request, HandshakeOutcome outcome, HandshakeError error)
    {
        foreach (bool oneByte in new[] { false, true })
        {
            var (result, response, _) = await RunAsync(request, oneBytePerChunk: oneByte);

            Assert.True(outcome == result.Outcome, $"{name}: {result.Outcome} ({result.Error})");
            Assert.Equal(error, result.Error);
            switch (outcome)
            {
                case HandshakeOutcome.Accepted:
                    Assert.StartsWith("HTTP/1.1 101 Switching Protocols\r\n", response, StringComparison.Ordinal);
                    Assert.Contains("\r\nSec-WebSocket-Accept: " + RfcAccept + "\r\n", response, StringComparison.Ordinal);
                    Assert.EndsWith("\r\n\r\n", response, StringComparison.Ordinal);
                    break;
                case HandshakeOutcome.Rejected:
                    Assert.StartsWith($"HTTP/1.1 {error.ToStatusCode()} ", response, StringComparison.Ordinal);
                    Assert.Contains(error.ToStatusCode() == 426 ? "\r\nConnection: Upgrade, close\r\n" : "\r\nConnection: close\r\n", response, StringComparison.Ordinal);
                    AssertContentLengthMatches(response);
                    break;
                default:
                    Assert.Equal(string.Empty, response);
                    Assert.NotNull(result.Request);
                    break;
            }
        }
    }

    private static void AssertContentLengthMatches(string response)
    {
        int split = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        string head = response[..split];
        string body = response[(split + 4)..];
        string lengthLine = head.Split("\r\n").Single(l => l.StartsWith("Content-Length: ", StringComparison.Ordinal));
        Assert.Equal(body.Length, int.Parse(lengthLine["Content-Length: ".Length..], System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void The_table_holds_at_least_40_cases()
    {
        Assert.True(Cases().Count() >= 40);
    }
}
