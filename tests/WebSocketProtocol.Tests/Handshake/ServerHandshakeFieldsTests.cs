using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using WebSocketProtocol.Extensions.Deflate;
using WebSocketProtocol.Handshake;
using Xunit;
using static WebSocketProtocol.Tests.Handshake.HandshakeHarness;

namespace WebSocketProtocol.Tests.Handshake;

/// <summary>
/// <see cref="ServerHandshake.Negotiate(HttpRequestInfo, WebSocketServerOptions, ICollection{KeyValuePair{string, string}})"/>:
/// the handshake for a request another server parsed. Over HTTP/1.1 it must decide exactly as the byte parser does; over
/// HTTP/2 it applies the extended CONNECT of RFC 8441.
/// </summary>
public class ServerHandshakeFieldsTests
{
    private static readonly KeyValuePair<string, string>[] ExtendedConnectFields =
    {
        new(":protocol", "websocket"),
        new("Host", "example.com"),
        new("Sec-WebSocket-Version", "13"),
    };

    private static HttpRequestInfo Http2(params KeyValuePair<string, string>[] fields) => new("CONNECT", "/chat?room=a", "HTTP/2", fields);

    private static HttpRequestInfo Http2With(params KeyValuePair<string, string>[] extra) => Http2(ExtendedConnectFields.Concat(extra).ToArray());

    private static KeyValuePair<string, string> Field(string name, string value) => new(name, value);

    private static (ServerHandshakeResult Result, List<KeyValuePair<string, string>> Headers) Negotiate(HttpRequestInfo request, WebSocketServerOptions? options = null)
    {
        var headers = new List<KeyValuePair<string, string>>();
        ServerHandshakeResult result = ServerHandshake.Negotiate(request, options ?? new WebSocketServerOptions(), headers);
        return (result, headers);
    }

    /// <summary>
    /// The request as an HTTP server hands it over: request line split at its spaces, each field at its first colon, the
    /// value left for the handshake to trim.
    /// </summary>
    private static HttpRequestInfo FromRawRequest(string raw)
    {
        string[] lines = raw.Split("\r\n");
        string[] requestLine = lines[0].Split(' ');
        var fields = lines.Skip(1).TakeWhile(l => l.Length != 0)
            .Select(l => new KeyValuePair<string, string>(l[..l.IndexOf(':', StringComparison.Ordinal)], l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..]))
            .ToList();
        return new HttpRequestInfo(requestLine[0], requestLine[1], requestLine[2], fields);
    }

    /// <summary>Every table case but the ones about HTTP/1.1 syntax, which a server parsing the request settles itself.</summary>
    public static IEnumerable<object[]> SameRulesCases() =>
        ServerHandshakeTableTests.Cases().Where(c => (HandshakeError)c[3] != HandshakeError.MalformedRequest);

    [Theory]
    [MemberData(nameof(SameRulesCases))]
    public async Task A_parsed_http_1_1_request_gets_the_same_outcome_error_and_status_as_the_same_request_read_as_bytes(string name, string request, HandshakeOutcome outcome, HandshakeError error)
    {
        var (fromBytes, _, _) = await RunAsync(request);

        var (fromFields, headers) = Negotiate(FromRawRequest(request));

        Assert.True(outcome == fromFields.Outcome, $"{name}: {fromFields.Outcome} ({fromFields.Error})");
        Assert.Equal(error, fromFields.Error);
        Assert.Equal(fromBytes.StatusCode, fromFields.StatusCode);
        if (outcome == HandshakeOutcome.Accepted)
        {
            Assert.Contains(Field("Sec-WebSocket-Accept", RfcAccept), headers);
        }
        else if (outcome == HandshakeOutcome.NotWebSocket)
        {
            Assert.Empty(headers);
        }
    }

    [Fact]
    public void An_accepted_http_1_1_request_gets_101_with_upgrade_connection_and_the_rfc_accept_value()
    {
        var (result, headers) = Negotiate(FromRawRequest(ValidRequest()));

        Assert.Equal(HandshakeOutcome.Accepted, result.Outcome);
        Assert.Equal(101, result.StatusCode);
        Assert.Equal(new[] { Field("Upgrade", "websocket"), Field("Connection", "Upgrade"), Field("Sec-WebSocket-Accept", RfcAccept) }, headers);
    }

    [Theory]
    [InlineData("HTTP/2")]
    [InlineData("HTTP/2.0")]
    [InlineData("HTTP/3")]
    public void An_extended_connect_is_accepted_with_200_and_no_upgrade_connection_or_accept_fields(string version)
    {
        var (result, headers) = Negotiate(new HttpRequestInfo("CONNECT", "/chat", version, ExtendedConnectFields));

        Assert.Equal(HandshakeOutcome.Accepted, result.Outcome);
        Assert.Equal(200, result.StatusCode);
        Assert.Empty(headers);
    }

    [Fact]
    public void An_extended_connect_that_also_sends_a_key_is_accepted_because_rfc_8441_does_not_use_the_key()
    {
        var (result, headers) = Negotiate(Http2With(Field("Sec-WebSocket-Key", "not even base64")));

        Assert.Equal(HandshakeOutcome.Accepted, result.Outcome);
        Assert.DoesNotContain(headers, h => h.Key == "Sec-WebSocket-Accept");
    }

    [Fact]
    public void SubProtocol_and_permessage_deflate_are_agreed_over_http_2_and_their_response_fields_added()
    {
        var options = new WebSocketServerOptions();
        options.SubProtocols.Add("superchat");
        options.SubProtocols.Add("chat");
        options.Extensions.Add(new PerMessageDeflateServerFactory());

        var (result, headers) = Negotiate(Http2With(
            Field("Sec-WebSocket-Protocol", "chat, superchat"),
            Field("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits")), options);

        Assert.Equal(HandshakeOutcome.Accepted, result.Outcome);
        Assert.Equal("superchat", result.SubProtocol);
        Assert.Equal("permessage-deflate", Assert.Single(result.Extensions).Name);
        Assert.Contains(Field("Sec-WebSocket-Protocol", "superchat"), headers);
        Assert.StartsWith("permessage-deflate", headers.Single(h => h.Key == "Sec-WebSocket-Extensions").Value, StringComparison.Ordinal);
        foreach (var extension in result.Extensions)
        {
            extension.Dispose();
        }
    }

    public static IEnumerable<object[]> ExtendedConnectRefusals()
    {
        object[] Case(string name, HttpRequestInfo request, HandshakeError error) => new object[] { name, request, error };
        KeyValuePair<string, string>[] Without(string name) => ExtendedConnectFields.Where(f => f.Key != name).ToArray();

        yield return Case("GET over HTTP/2", new HttpRequestInfo("GET", "/chat", "HTTP/2", ExtendedConnectFields), HandshakeError.MethodNotAllowed);
        yield return Case("no :protocol but a version", Http2(Without(":protocol")), HandshakeError.MissingUpgradeWebSocket);
        yield return Case("two :protocol", Http2With(Field(":protocol", "websocket")), HandshakeError.MissingUpgradeWebSocket);
        yield return Case("no Host and no :authority", Http2(Without("Host")), HandshakeError.InvalidHost);
        yield return Case("no version", Http2(Without("Sec-WebSocket-Version")), HandshakeError.MissingVersion);
        yield return Case("version 8", Http2(Without("Sec-WebSocket-Version").Append(Field("Sec-WebSocket-Version", "8")).ToArray()), HandshakeError.UnsupportedVersion);
        yield return Case("cross origin", Http2With(Field("Origin", "http://evil.example")), HandshakeError.OriginNotAllowed);
        yield return Case("origin of the Host while :authority differs", Http2With(Field(":authority", "other.example"), Field("Origin", "http://example.com")), HandshakeError.OriginNotAllowed);
        yield return Case("a pseudo-header over HTTP/1.1", new HttpRequestInfo("GET", "/", "HTTP/1.1", ExtendedConnectFields), HandshakeError.MalformedRequest);
        yield return Case("CR in a value", Http2With(Field("X-Bad", "a\rb")), HandshakeError.MalformedRequest);
        yield return Case("a character past Latin-1 in a value", Http2With(Field("X-Bad", "\u20ac")), HandshakeError.MalformedRequest);
        yield return Case("a separator in a name", Http2With(Field("X(bad)", "1")), HandshakeError.MalformedRequest);
        yield return Case("a space in the target", new HttpRequestInfo("CONNECT", "/a b", "HTTP/2", ExtendedConnectFields), HandshakeError.MalformedRequest);
        yield return Case("an unknown version", new HttpRequestInfo("CONNECT", "/", "HTTP/two", ExtendedConnectFields), HandshakeError.MalformedRequest);
        yield return Case("101 fields", Http2With(Enumerable.Range(0, 98).Select(i => Field("X-H" + i, "v")).ToArray()), HandshakeError.TooManyHeaders);
        yield return Case("fields over 32 KiB", Http2With(Enumerable.Range(0, 9).Select(i => Field("X-Big" + i, new string('b', 4000))).ToArray()), HandshakeError.HeadTooLarge);
    }

    [Theory]
    [MemberData(nameof(ExtendedConnectRefusals))]
    public void A_bad_extended_connect_is_refused_with_its_error_and_status(string name, HttpRequestInfo request, HandshakeError error)
    {
        var (result, _) = Negotiate(request);

        Assert.True(result.Outcome == HandshakeOutcome.Rejected, $"{name}: {result.Outcome}");
        Assert.Equal(error, result.Error);
        Assert.Equal(error.ToStatusCode(), result.StatusCode);
    }

    [Fact]
    public void Version_8_over_http_2_is_refused_with_426_naming_version_13()
    {
        var request = Http2(Field(":protocol", "websocket"), Field("Host", "example.com"), Field("Sec-WebSocket-Version", "8"));

        var (result, headers) = Negotiate(request);

        Assert.Equal(426, result.StatusCode);
        Assert.Equal(new[] { Field("Sec-WebSocket-Version", "13") }, headers);
    }

    [Theory]
    [InlineData("HTTP/1.1", "POST", "GET")]
    [InlineData("HTTP/2", "GET", "CONNECT")]
    public void A_wrong_method_is_refused_with_405_allowing_the_method_of_the_version(string version, string method, string allowed)
    {
        var fields = version == "HTTP/2" ? ExtendedConnectFields : FromRawRequest(ValidRequest()).Headers.ToArray();

        var (result, headers) = Negotiate(new HttpRequestInfo(method, "/", version, fields));

        Assert.Equal(405, result.StatusCode);
        Assert.Equal(new[] { Field("Allow", allowed) }, headers);
    }

    [Fact]
    public void The_same_origin_over_http_2_is_the_authority_the_client_asked()
    {
        var (viaAuthority, _) = Negotiate(Http2(Field(":protocol", "websocket"), Field(":authority", "example.com:8443"), Field("Sec-WebSocket-Version", "13"), Field("Origin", "https://example.com:8443")));
        var (viaHost, _) = Negotiate(Http2With(Field("Origin", "https://example.com")));

        Assert.Equal(HandshakeOutcome.Accepted, viaAuthority.Outcome);
        Assert.Equal(HandshakeOutcome.Accepted, viaHost.Outcome);
    }

    [Theory]
    [InlineData("GET", "HTTP/2")]
    [InlineData("CONNECT", "HTTP/2")]
    [InlineData("GET", "HTTP/1.1")]
    public void A_request_that_asks_for_no_websocket_is_handed_back_untouched(string method, string version)
    {
        var request = new HttpRequestInfo(method, "/", version, new[] { Field("Host", "example.com"), Field(":protocol", "webtransport") }.Where(f => version == "HTTP/2" || f.Key == "Host").ToArray());

        var (result, headers) = Negotiate(request);

        Assert.Equal(HandshakeOutcome.NotWebSocket, result.Outcome);
        Assert.Equal(0, result.StatusCode);
        Assert.Same(request, result.Request);
        Assert.Empty(headers);
    }

    [Fact]
    public void The_request_filter_sees_the_extended_connect_as_it_arrived_and_its_refusal_is_403()
    {
        string? seen = null;
        var options = new WebSocketServerOptions();
        options.SubProtocols.Add("chat");
        options.RequestFilter = request =>
        {
            request.TryGetHeader(":protocol"u8, out ReadOnlySpan<byte> protocol);
            seen = $"{Encoding.ASCII.GetString(request.Method)} {request.GetTargetString()} {request.VersionMajor} {Encoding.ASCII.GetString(protocol)} {request.SelectedSubProtocol} {request.GetHeader("X-Token")}";
            return false;
        };

        var (result, headers) = Negotiate(Http2With(Field("Sec-WebSocket-Protocol", "chat"), Field("X-Token", "abc")), options);

        Assert.Equal("CONNECT /chat?room=a 2 websocket chat abc", seen);
        Assert.Equal(HandshakeError.RejectedByApplication, result.Error);
        Assert.Equal(403, result.StatusCode);
        Assert.Empty(headers);
    }

    [Fact]
    public void Every_error_has_a_one_line_ascii_description_that_fits_a_short_body()
    {
        foreach (HandshakeError error in Enum.GetValues<HandshakeError>())
        {
            string description = error.GetDescription();

            Assert.InRange(description.Length, 10, 98);
            Assert.All(description, c => Assert.InRange(c, ' ', '~'));
        }
    }
}
