using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO.Pipelines;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using WebSocketProtocol.Framing;
using WebSocketProtocol.Handshake;
using Xunit;

namespace WebSocketProtocol.Tests.Handshake;

public class ClientHandshakeTests
{
    private static (string Request, byte[] Key) WriteRequest(Uri uri, WebSocketClientOptions options)
    {
        var output = new ArrayBufferWriter<byte>();
        var key = new byte[WebSocketAccept.KeyLength];
        ClientHandshake.WriteRequest(output, uri, options, key);
        return (Encoding.Latin1.GetString(output.WrittenSpan), key);
    }

    private static string Accept(byte[] key)
    {
        var accept = new byte[WebSocketAccept.AcceptLength];
        WebSocketAccept.ComputeAccept(key, accept);
        return Encoding.ASCII.GetString(accept);
    }

    private static string Response(byte[] key, params string[] extra) =>
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + Accept(key) + "\r\n"
        + string.Concat(extra.Select(e => e + "\r\n")) + "\r\n";

    [Fact]
    public void The_request_carries_host_path_query_key_version_origin_subprotocols_and_extra_headers()
    {
        var options = new WebSocketClientOptions { Origin = "http://example.com" };
        options.SubProtocols.Add("chat");
        options.SubProtocols.Add("superchat");
        options.Headers.Add(new KeyValuePair<string, string>("Authorization", "Bearer t"));

        var (request, key) = WriteRequest(new Uri("ws://example.com:8080/chat?room=a%20b"), options);

        Assert.Equal(
            "GET /chat?room=a%20b HTTP/1.1\r\nHost: example.com:8080\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: " + Encoding.ASCII.GetString(key) + "\r\nSec-WebSocket-Version: 13\r\nOrigin: http://example.com\r\n"
            + "Sec-WebSocket-Protocol: chat, superchat\r\nAuthorization: Bearer t\r\n\r\n",
            request);
        Assert.True(WebSocketAccept.IsValidKey(key));
    }

    [Theory]
    [InlineData("ws://example.com/", "example.com")]
    [InlineData("ws://example.com:80/", "example.com")]
    [InlineData("wss://example.com:443/", "example.com")]
    [InlineData("ws://[::1]:9000/", "[::1]:9000")]
    [InlineData("ws://127.0.0.1:5000", "127.0.0.1:5000")]
    public void The_host_header_omits_the_default_port_and_brackets_IPv6(string uri, string host)
    {
        var (request, _) = WriteRequest(new Uri(uri), new WebSocketClientOptions());

        Assert.Contains("\r\nHost: " + host + "\r\n", request, StringComparison.Ordinal);
        Assert.StartsWith("GET / HTTP/1.1\r\n", request, StringComparison.Ordinal);
    }

    [Fact]
    public void Requests_for_other_schemes_fragments_and_header_injection_are_refused()
    {
        var output = new ArrayBufferWriter<byte>();
        var key = new byte[24];
        Assert.Throws<ArgumentException>(() => ClientHandshake.WriteRequest(output, new Uri("http://example.com/"), new WebSocketClientOptions(), key));
        Assert.Throws<ArgumentException>(() => ClientHandshake.WriteRequest(output, new Uri("ws://example.com/#frag"), new WebSocketClientOptions(), key));
        var injected = new WebSocketClientOptions();
        injected.Headers.Add(new KeyValuePair<string, string>("X", "a\r\nEvil: 1"));
        Assert.Throws<ArgumentException>(() => ClientHandshake.WriteRequest(output, new Uri("ws://example.com/"), injected, key));
        var badProtocol = new WebSocketClientOptions();
        badProtocol.SubProtocols.Add("a b");
        Assert.Throws<ArgumentException>(() => ClientHandshake.WriteRequest(output, new Uri("ws://example.com/"), badProtocol, key));
    }

    [Fact]
    public void A_request_from_our_client_is_accepted_by_our_server_and_its_response_by_our_client()
    {
        var clientOptions = new WebSocketClientOptions { Origin = "http://example.com" };
        clientOptions.SubProtocols.Add("v2");
        clientOptions.SubProtocols.Add("v1");
        var serverOptions = new WebSocketServerOptions();
        serverOptions.SubProtocols.Add("v1");
        var (request, key) = WriteRequest(new Uri("ws://example.com/socket"), clientOptions);
        var response = new ArrayBufferWriter<byte>();

        ServerHandshakeResult server = ServerHandshake.Negotiate(Encoding.Latin1.GetBytes(request), serverOptions, response);
        ClientHandshakeResult client = ClientHandshake.ValidateResponse(response.WrittenSpan, key, clientOptions);

        Assert.Equal(HandshakeOutcome.Accepted, server.Outcome);
        Assert.Equal("v1", server.SubProtocol);
        Assert.Equal("v1", client.SubProtocol);
        Assert.Same(clientOptions.SubProtocols[1], client.SubProtocol);
    }

    public static IEnumerable<object[]> BadResponses()
    {
        byte[] key = Encoding.ASCII.GetBytes(HandshakeHarness.RfcKey);
        string accept = HandshakeHarness.RfcAccept;
        object[] Case(string name, string response, WebSocketConnectError error, int? status) => new object[] { name, response, error, status! };

        yield return Case("404 with headers", "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nX-Why: nope\r\n\r\n", WebSocketConnectError.HandshakeRefused, 404);
        yield return Case("200 instead of 101", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", WebSocketConnectError.HandshakeRefused, 200);
        yield return Case("wrong accept", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n", WebSocketConnectError.InvalidAccept, 101);
        yield return Case("missing accept", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n", WebSocketConnectError.InvalidAccept, 101);
        yield return Case("accept twice", $"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\nSec-WebSocket-Accept: {accept}\r\n\r\n", WebSocketConnectError.InvalidAccept, 101);
        yield return Case("missing upgrade", $"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n", WebSocketConnectError.MissingUpgrade, 101);
        yield return Case("missing connection", $"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: {accept}\r\n\r\n", WebSocketConnectError.MissingConnectionUpgrade, 101);
        yield return Case("subprotocol not offered", $"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\nSec-WebSocket-Protocol: other\r\n\r\n", WebSocketConnectError.InvalidSubProtocol, 101);
        yield return Case("two subprotocols", $"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\nSec-WebSocket-Protocol: chat, chat\r\n\r\n", WebSocketConnectError.InvalidSubProtocol, 101);
        yield return Case("extension not offered", $"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n", WebSocketConnectError.InvalidExtensions, 101);
        yield return Case("HTTP/1.0 status line", $"HTTP/1.0 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n", WebSocketConnectError.MalformedResponse, null);
        yield return Case("garbage status line", "ICY 200 OK\r\n\r\n", WebSocketConnectError.MalformedResponse, null);
        yield return Case("two-digit status", "HTTP/1.1 20 OK\r\n\r\n", WebSocketConnectError.MalformedResponse, null);
        yield return Case("space before colon", $"HTTP/1.1 101 Switching Protocols\r\nUpgrade : websocket\r\n\r\n", WebSocketConnectError.MalformedResponse, 101);
        _ = key;
    }

    [Theory]
    [MemberData(nameof(BadResponses))]
    public void Each_bad_response_fails_with_the_rule_it_breaks_and_the_status(string name, string response, WebSocketConnectError error, int? status)
    {
        var options = new WebSocketClientOptions();
        options.SubProtocols.Add("chat");

        var exception = Assert.Throws<WebSocketConnectException>(() =>
            ClientHandshake.ValidateResponse(Encoding.Latin1.GetBytes(response), Encoding.ASCII.GetBytes(HandshakeHarness.RfcKey), options));

        Assert.True(error == exception.Error, $"{name}: {exception.Error}");
        Assert.Equal(status, exception.StatusCode);
        if (status == 404)
        {
            Assert.Contains(new KeyValuePair<string, string>("X-Why", "nope"), exception.Headers);
        }
    }

    [Fact]
    public void A_response_without_subprotocol_when_one_was_offered_is_accepted_with_none()
    {
        var options = new WebSocketClientOptions();
        options.SubProtocols.Add("chat");
        byte[] key = Encoding.ASCII.GetBytes(HandshakeHarness.RfcKey);

        ClientHandshakeResult result = ClientHandshake.ValidateResponse(Encoding.ASCII.GetBytes(Response(key, "Connection: keep-alive")), key, options);

        Assert.Null(result.SubProtocol);
    }

    [Fact]
    public async Task Connecting_over_pipes_leaves_the_frames_sent_right_behind_the_101_in_the_pipe()
    {
        var toServer = new Pipe();
        var toClient = new Pipe();
        var options = new WebSocketClientOptions();

        Task<ClientHandshakeResult> connect = HandshakeNegotiator.ConnectAsync(toClient.Reader, toServer.Writer, new Uri("ws://localhost/x"), options).AsTask();
        ServerHandshakeResult accepted = await HandshakeNegotiator.AcceptAsync(toServer.Reader, toClient.Writer, new WebSocketServerOptions());
        new FrameWriter(toClient.Writer, WebSocketRole.Server).WriteFrame(Opcode.Text, "first"u8);
        await toClient.Writer.FlushAsync();
        await connect.WaitAsync(TimeSpan.FromSeconds(30));

        var reader = new FrameReader(toClient.Reader, new FrameReaderOptions(WebSocketRole.Client));
        Assert.Equal(HandshakeOutcome.Accepted, accepted.Outcome);
        Assert.True(await reader.ReadFrameAsync());
        Assert.Equal("first", Encoding.ASCII.GetString(reader.Current.Payload.ToArray()));
    }

    [Fact]
    public async Task A_server_that_never_answers_fails_the_client_at_its_handshake_timeout()
    {
        var toServer = new Pipe();
        var toClient = new Pipe();
        var options = new WebSocketClientOptions { HandshakeTimeout = TimeSpan.FromMilliseconds(200) };

        var error = await Assert.ThrowsAsync<WebSocketConnectException>(() =>
            HandshakeNegotiator.ConnectAsync(toClient.Reader, toServer.Writer, new Uri("ws://localhost/"), options).AsTask().WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.Equal(WebSocketConnectError.Timeout, error.Error);
        Assert.Null(error.StatusCode);
    }

    [Fact]
    public async Task A_server_that_closes_mid_response_fails_the_client_with_ConnectionClosed()
    {
        var toServer = new Pipe();
        var toClient = new Pipe();
        await toClient.Writer.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"));
        await toClient.Writer.CompleteAsync();

        var error = await Assert.ThrowsAsync<WebSocketConnectException>(() =>
            HandshakeNegotiator.ConnectAsync(toClient.Reader, toServer.Writer, new Uri("ws://localhost/")).AsTask());

        Assert.Equal(WebSocketConnectError.ConnectionClosed, error.Error);
    }
}
