using System;
using System.Collections.Generic;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Framing;
using WebSocketProtocol.Handshake;
using WebSocketProtocol.Transport;
using Xunit;

namespace WebSocketProtocol.Tests.Interop;

/// <summary>This library's client (<see cref="WebSocketClient"/>'s transport, <see cref="FrameWriter"/>, <see cref="FrameReader"/>) against ASP.NET Core's Kestrel.</summary>
[Collection(InteropCollection.Name)]
public sealed class KestrelInteropTests
{
    private static readonly TimeSpan Timeout = InteropFrames.Timeout;

    private static WebSocketClientOptions ChatClientOptions()
    {
        var options = new WebSocketClientOptions();
        options.SubProtocols.Add("chat");
        return options;
    }

    /// <summary>Sends close 1000 with <paramref name="reason"/> and reads the server's answer.</summary>
    private static async Task<ReceivedMessage> CloseAsync(WebSocketClientConnection connection, FrameReader reader, FrameWriter writer, string reason, CancellationToken cancellationToken)
    {
        writer.WriteClose(CloseStatus.NormalClosure, reason);
        await connection.Output.FlushAsync(cancellationToken);
        return await InteropFrames.ReadRequiredMessageAsync(reader, cancellationToken);
    }

    [Fact]
    public async Task Our_client_negotiates_chat_with_Kestrel_and_a_text_hello_comes_back_as_an_unmasked_text_hello()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        await using KestrelEchoServer server = await KestrelEchoServer.StartAsync(timeout.Token);
        using WebSocketClientConnection connection = await WebSocketClient.ConnectTransportAsync(server.GetUri("/ws"), ChatClientOptions(), timeout.Token);
        var reader = new FrameReader(connection.Input, new FrameReaderOptions(WebSocketRole.Client));
        var writer = new FrameWriter(connection.Output, WebSocketRole.Client);

        writer.WriteFrame(Opcode.Text, InteropFrames.Utf8("hello"));
        await connection.Output.FlushAsync(timeout.Token);
        ReceivedMessage echo = await InteropFrames.ReadRequiredMessageAsync(reader, timeout.Token);
        ReceivedMessage close = await CloseAsync(connection, reader, writer, "done", timeout.Token);
        KestrelSession session = await server.Session.WaitAsync(Timeout);

        Assert.Equal("chat", connection.Handshake.SubProtocol);
        Assert.Equal(new[] { "chat" }, session.RequestedProtocols);
        Assert.Equal("chat", session.SubProtocol);
        Assert.Equal(Opcode.Text, echo.Opcode);
        Assert.Equal("hello", echo.Text);
        Assert.False(echo.AllMasked, "A server's frames are never masked (RFC 6455 section 5.1).");
        Assert.Equal((WebSocketMessageType.Text, 5, 1), Assert.Single(session.Messages));
        Assert.Equal(Opcode.Close, close.Opcode);
    }

    [Fact]
    public async Task A_64_KiB_binary_frame_from_our_client_is_echoed_by_Kestrel_in_continuation_frames_that_reassemble_to_the_same_bytes()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        await using KestrelEchoServer server = await KestrelEchoServer.StartAsync(timeout.Token);
        using WebSocketClientConnection connection = await WebSocketClient.ConnectTransportAsync(server.GetUri("/ws"), ChatClientOptions(), timeout.Token);
        var reader = new FrameReader(connection.Input, new FrameReaderOptions(WebSocketRole.Client));
        var writer = new FrameWriter(connection.Output, WebSocketRole.Client);
        byte[] message = InteropFrames.Pattern(64 * 1024);

        writer.WriteFrame(Opcode.Binary, message);
        await connection.Output.FlushAsync(timeout.Token);
        ReceivedMessage echo = await InteropFrames.ReadRequiredMessageAsync(reader, timeout.Token);
        await CloseAsync(connection, reader, writer, "done", timeout.Token);
        KestrelSession session = await server.Session.WaitAsync(Timeout);

        (WebSocketMessageType type, int length, int receives) = Assert.Single(session.Messages);
        Assert.Equal(WebSocketMessageType.Binary, type);
        Assert.Equal(message.Length, length);
        // Kestrel echoes each receive as it comes, at most ReceiveBufferSize bytes each: one frame per receive.
        Assert.InRange(receives, message.Length / KestrelEchoServer.ReceiveBufferSize, int.MaxValue);
        Assert.Equal(Opcode.Binary, echo.Opcode);
        Assert.Equal(receives, echo.FrameCount);
        Assert.Equal(message, echo.Payload);
    }

    [Fact]
    public async Task Our_close_1000_with_a_reason_is_echoed_by_Kestrel_which_then_ends_the_TCP_connection()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        await using KestrelEchoServer server = await KestrelEchoServer.StartAsync(timeout.Token);
        using WebSocketClientConnection connection = await WebSocketClient.ConnectTransportAsync(server.GetUri("/ws"), ChatClientOptions(), timeout.Token);
        var reader = new FrameReader(connection.Input, new FrameReaderOptions(WebSocketRole.Client));
        var writer = new FrameWriter(connection.Output, WebSocketRole.Client);

        ReceivedMessage close = await CloseAsync(connection, reader, writer, "bye from the client", timeout.Token);
        ReceivedMessage? afterClose = await InteropFrames.ReadMessageAsync(reader, timeout.Token);
        KestrelSession session = await server.Session.WaitAsync(Timeout);

        Assert.Equal(WebSocketCloseStatus.NormalClosure, session.CloseStatus);
        Assert.Equal("bye from the client", session.CloseDescription);
        Assert.Empty(session.Messages);
        Assert.Equal(Opcode.Close, close.Opcode);
        Assert.False(close.AllMasked);
        Assert.Equal(InteropFrames.CloseBody(1000, "bye from the client"), close.Payload);
        Assert.Null(afterClose);
    }

    [Fact]
    public async Task A_path_that_is_not_a_WebSocket_endpoint_makes_ConnectAsync_throw_HandshakeRefused_with_404_and_the_response_headers()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        await using KestrelEchoServer server = await KestrelEchoServer.StartAsync(timeout.Token);

        WebSocketConnectException exception = await Assert.ThrowsAsync<WebSocketConnectException>(
            () => WebSocketClient.ConnectAsync(server.GetUri("/missing"), ChatClientOptions(), timeout.Token));

        Assert.Equal(404, exception.StatusCode);
        Assert.Equal(WebSocketConnectError.HandshakeRefused, exception.Error);
        Assert.Contains(new KeyValuePair<string, string>("Server", "Kestrel"), exception.Headers);
        Assert.Contains(new KeyValuePair<string, string>("Content-Length", "0"), exception.Headers);
        Assert.DoesNotContain(exception.Headers, h => h.Key.Equals("Sec-WebSocket-Accept", StringComparison.OrdinalIgnoreCase));
    }
}
