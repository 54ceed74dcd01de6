using System;
using System.Linq;
using System.Net;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Framing;
using WebSocketProtocol.Handshake;
using Xunit;

namespace WebSocketProtocol.Tests.Interop;

/// <summary>.NET's own <see cref="ClientWebSocket"/> against this library's server side over a real loopback socket.</summary>
[Collection(InteropCollection.Name)]
public sealed class ClientWebSocketInteropTests
{
    private static readonly TimeSpan Timeout = InteropFrames.Timeout;

    private static ClientWebSocket CreateClient()
    {
        var client = new ClientWebSocket();
        client.Options.AddSubProtocol("chat");
        // No unsolicited keep-alive pongs: each test decides every frame the client sends.
        client.Options.KeepAliveInterval = TimeSpan.Zero;
        client.Options.CollectHttpResponseDetails = true;
        return client;
    }

    [Fact]
    public async Task ClientWebSocket_text_hello_is_read_by_our_server_and_our_text_reply_reaches_it_with_subprotocol_chat_on_both_sides()
    {
        var handler = new FrameEchoHandler(FrameEchoHandler.ChatOptions(), text => "echo: " + text);
        await using LoopbackWebSocketServer server = LoopbackWebSocketServer.Start(handler.HandleAsync);
        using var timeout = new CancellationTokenSource(Timeout);
        using ClientWebSocket client = CreateClient();

        await client.ConnectAsync(server.GetUri("/path"), timeout.Token);
        await client.SendAsync(InteropFrames.Utf8("hello"), WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
        (WebSocketMessageType type, byte[] payload) = await InteropFrames.ReceiveMessageAsync(client, timeout.Token);
        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
        await server.WaitForNextHandlerAsync(Timeout);

        Assert.Equal(HttpStatusCode.SwitchingProtocols, client.HttpStatusCode);
        Assert.Equal("chat", client.SubProtocol);
        Assert.Equal(HandshakeOutcome.Accepted, handler.Handshake.Outcome);
        Assert.Equal("chat", handler.Handshake.SubProtocol);

        ReceivedMessage hello = handler.Received[0];
        Assert.Equal(Opcode.Text, hello.Opcode);
        Assert.Equal("hello", hello.Text);
        Assert.True(hello.AllMasked, "A client's frames are masked (RFC 6455 section 5.1).");

        Assert.Equal(WebSocketMessageType.Text, type);
        Assert.Equal("echo: hello", System.Text.Encoding.UTF8.GetString(payload));
        Assert.Equal(WebSocketState.Closed, client.State);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task ClientWebSocket_binary_message_of_100_KB_sent_in_parts_is_reassembled_by_our_server_and_echoed_intact(int sends)
    {
        var handler = new FrameEchoHandler(FrameEchoHandler.ChatOptions());
        await using LoopbackWebSocketServer server = LoopbackWebSocketServer.Start(handler.HandleAsync);
        using var timeout = new CancellationTokenSource(Timeout);
        using ClientWebSocket client = CreateClient();
        byte[] message = InteropFrames.Pattern(100 * 1024);

        await client.ConnectAsync(server.GetUri("/binary"), timeout.Token);
        int partLength = (message.Length + sends - 1) / sends;
        for (int offset = 0; offset < message.Length; offset += partLength)
        {
            int length = Math.Min(partLength, message.Length - offset);
            bool last = offset + length == message.Length;
            await client.SendAsync(message.AsMemory(offset, length), WebSocketMessageType.Binary, last, timeout.Token);
        }

        (WebSocketMessageType type, byte[] echoed) = await InteropFrames.ReceiveMessageAsync(client, timeout.Token);
        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
        await server.WaitForNextHandlerAsync(Timeout);

        ReceivedMessage received = handler.Received[0];
        Assert.Equal(Opcode.Binary, received.Opcode);
        // Each SendAsync with endOfMessage false has to put a non-final frame on the wire, so three sends are 3+ frames.
        Assert.InRange(received.FrameCount, sends, int.MaxValue);
        Assert.True(received.AllMasked);
        Assert.Equal(message, received.Payload);

        Assert.Equal(WebSocketMessageType.Binary, type);
        Assert.Equal(message, echoed);
    }

    [Fact]
    public async Task ClientWebSocket_close_1000_bye_reaches_our_server_as_a_close_frame_and_our_echoed_close_leaves_it_Closed_with_NormalClosure()
    {
        var handler = new FrameEchoHandler(FrameEchoHandler.ChatOptions());
        await using LoopbackWebSocketServer server = LoopbackWebSocketServer.Start(handler.HandleAsync);
        using var timeout = new CancellationTokenSource(Timeout);
        using ClientWebSocket client = CreateClient();

        await client.ConnectAsync(server.GetUri("/close"), timeout.Token);
        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token);
        await server.WaitForNextHandlerAsync(Timeout);

        ReceivedMessage close = Assert.Single(handler.Received);
        Assert.Equal(Opcode.Close, close.Opcode);
        Assert.Equal(1, close.FrameCount);
        Assert.Equal(new byte[] { 0x03, 0xE8, (byte)'b', (byte)'y', (byte)'e' }, close.Payload);
        Assert.Equal(((ushort)1000, "bye"), InteropFrames.ParseCloseBody(close.Payload));

        Assert.Equal(WebSocketState.Closed, client.State);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, client.CloseStatus);
        Assert.Equal("bye", client.CloseStatusDescription);
    }

    [Fact]
    public async Task ClientWebSocket_with_a_foreign_Origin_gets_403_and_a_WebSocketException_and_our_server_reports_OriginNotAllowed()
    {
        var handler = new FrameEchoHandler(FrameEchoHandler.ChatOptions());
        await using LoopbackWebSocketServer server = LoopbackWebSocketServer.Start(handler.HandleAsync);
        using var timeout = new CancellationTokenSource(Timeout);
        using ClientWebSocket client = CreateClient();
        client.Options.SetRequestHeader("Origin", "http://evil.example");

        await Assert.ThrowsAsync<WebSocketException>(() => client.ConnectAsync(server.GetUri("/path"), timeout.Token));
        await server.WaitForNextHandlerAsync(Timeout);

        Assert.Equal(HttpStatusCode.Forbidden, client.HttpStatusCode);
        Assert.NotEqual(WebSocketState.Open, client.State);
        Assert.Equal(HandshakeOutcome.Rejected, handler.Handshake.Outcome);
        Assert.Equal(HandshakeError.OriginNotAllowed, handler.Handshake.Error);
        Assert.Equal(403, handler.Handshake.StatusCode);
        Assert.Empty(handler.Received);
    }

    [Fact]
    public async Task ClientWebSocket_whose_Origin_names_the_same_host_and_port_is_accepted_by_the_default_same_origin_policy()
    {
        var handler = new FrameEchoHandler(FrameEchoHandler.ChatOptions());
        await using LoopbackWebSocketServer server = LoopbackWebSocketServer.Start(handler.HandleAsync);
        using var timeout = new CancellationTokenSource(Timeout);
        using ClientWebSocket client = CreateClient();
        client.Options.SetRequestHeader("Origin", "http://127.0.0.1:" + server.Port);

        await client.ConnectAsync(server.GetUri("/path"), timeout.Token);
        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
        await server.WaitForNextHandlerAsync(Timeout);

        Assert.Equal(HandshakeOutcome.Accepted, handler.Handshake.Outcome);
        Assert.Equal(Opcode.Close, handler.Received.Single().Opcode);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, client.CloseStatus);
    }
}
