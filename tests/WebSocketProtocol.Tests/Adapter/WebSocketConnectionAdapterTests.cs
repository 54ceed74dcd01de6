using System;
using System.Collections.Generic;
using System.IO.Pipelines;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Connection;
using WebSocketProtocol.Extensions.Deflate;
using WebSocketProtocol.Handshake;
using WebSocketProtocol.Tests.Interop;
using WebSocketProtocol.Transport;
using Xunit;

namespace WebSocketProtocol.Tests.Adapter;

/// <summary>
/// The adapter in whole programs: the README's example (a handler written for System.Net.WebSockets, served to .NET's
/// ClientWebSocket by our server; our client talking to Kestrel's WebSockets), compression flags, and its constructor.
/// </summary>
[Collection(InteropCollection.Name)]
public sealed class WebSocketConnectionAdapterTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    // README, "Using code written for System.Net.WebSockets": this method is the example's, as it stands there.
    static async Task EchoAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        while (true)
        {
            WebSocketReceiveResult result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer), cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseAsync(result.CloseStatus!.Value, result.CloseStatusDescription, cancellationToken);
                return;
            }

            await socket.SendAsync(new ArraySegment<byte>(buffer, 0, result.Count), result.MessageType, result.EndOfMessage, cancellationToken);
        }
    }

    // README: the server half of the example; input and output are the accepted connection's pipes.
    static async Task ServeAsync(PipeReader input, PipeWriter output, CancellationToken cancellationToken)
    {
        ServerHandshakeResult handshake = await HandshakeNegotiator.AcceptAsync(input, output, new WebSocketServerOptions(), cancellationToken);
        if (handshake.Outcome == HandshakeOutcome.Accepted)
        {
            var connection = new WebSocketConnection(input, output, WebSocketConnectionOptions.ForServer(), handshake);
            using WebSocket socket = new WebSocketConnectionAdapter(connection); // owns the connection from here on
            await EchoAsync(socket, cancellationToken);
        }
    }

    // README: the client half of the example.
    static async Task<string> SayHelloAsync(Uri uri, CancellationToken cancellationToken)
    {
        WebSocketConnection connection = await WebSocketClient.ConnectAsync(uri, cancellationToken: cancellationToken);
        using WebSocket socket = new WebSocketConnectionAdapter(connection); // owns the connection, and so the socket
        await socket.SendAsync("hello"u8.ToArray(), WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        var buffer = new byte[1024];
        ValueWebSocketReceiveResult reply = await socket.ReceiveAsync(buffer.AsMemory(), cancellationToken);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", cancellationToken);
        return System.Text.Encoding.UTF8.GetString(buffer, 0, reply.Count);
    }

    [Fact]
    public async Task Readme_EchoAsync_written_for_System_Net_WebSockets_serves_ClientWebSocket_through_our_server_unchanged()
    {
        await using LoopbackWebSocketServer server = LoopbackWebSocketServer.Start((transport, token) => ServeAsync(transport.Input, transport.Output, token));
        using var timeout = new CancellationTokenSource(Timeout);
        using var client = new ClientWebSocket();
        client.Options.KeepAliveInterval = TimeSpan.Zero;
        byte[] large = InteropFrames.Pattern(10_000);

        await client.ConnectAsync(server.GetUri("/echo"), timeout.Token);
        await client.SendAsync("hello"u8.ToArray(), WebSocketMessageType.Text, true, timeout.Token);
        (WebSocketMessageType helloType, byte[] hello) = await InteropFrames.ReceiveMessageAsync(client, timeout.Token);
        for (int offset = 0; offset < large.Length; offset += 2500)
        {
            await client.SendAsync(large.AsMemory(offset, 2500), WebSocketMessageType.Binary, offset + 2500 == large.Length, timeout.Token);
        }

        (WebSocketMessageType largeType, byte[] largeEcho) = await InteropFrames.ReceiveMessageAsync(client, timeout.Token);
        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token);
        await server.WaitForNextHandlerAsync(Timeout);

        Assert.Equal(WebSocketMessageType.Text, helloType);
        Assert.Equal("hello"u8.ToArray(), hello);
        Assert.Equal(WebSocketMessageType.Binary, largeType);
        Assert.Equal(large, largeEcho);
        Assert.Equal(WebSocketState.Closed, client.State);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, client.CloseStatus);
        Assert.Equal("bye", client.CloseStatusDescription);
    }

    [Fact]
    public async Task Readme_client_over_WebSocketClient_and_the_adapter_talks_to_Kestrels_WebSockets()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        await using KestrelEchoServer server = await KestrelEchoServer.StartAsync(timeout.Token);

        string reply = await SayHelloAsync(server.GetUri("/ws"), timeout.Token);
        KestrelSession session = await server.Session.WaitAsync(Timeout);

        Assert.Equal("hello", reply);
        Assert.Equal((WebSocketMessageType.Text, 5, 1), Assert.Single(session.Messages));
        Assert.Equal(WebSocketCloseStatus.NormalClosure, session.CloseStatus);
        Assert.Equal("bye", session.CloseDescription);
    }

    [Fact]
    public async Task DisableCompression_sends_a_message_or_all_parts_of_one_uncompressed_while_permessage_deflate_compresses_the_rest()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        var sentFrames = new TaskCompletionSource<IReadOnlyList<TappedMessage>>(TaskCreationOptions.RunContinuationsAsynchronously);
        ArgumentException? mixedFlags = null;
        await using LoopbackWebSocketServer server = LoopbackWebSocketServer.Start(async (transport, token) =>
        {
            var options = new WebSocketServerOptions();
            options.Extensions.Add(new PerMessageDeflateServerFactory(new PerMessageDeflateOptions { CompressionThreshold = 0 }));
            ServerHandshakeResult handshake = await HandshakeNegotiator.AcceptAsync(transport.Input, transport.Output, options, token);
            Assert.Equal(HandshakeOutcome.Accepted, handshake.Outcome);
            await using FrameTap tap = FrameTap.OnOutput(transport.Output, WebSocketRole.Server);
            var connection = new WebSocketConnection(transport.Input, tap.Output, WebSocketConnectionOptions.ForServer(), handshake);
            using (WebSocket socket = new WebSocketConnectionAdapter(connection))
            {
                byte[] text = "compressible compressible compressible"u8.ToArray();
                await socket.SendAsync(text, WebSocketMessageType.Text, WebSocketMessageFlags.EndOfMessage, token);
                await socket.SendAsync(text, WebSocketMessageType.Text, WebSocketMessageFlags.EndOfMessage | WebSocketMessageFlags.DisableCompression, token);
                await socket.SendAsync(text.AsMemory(0, 10), WebSocketMessageType.Text, WebSocketMessageFlags.DisableCompression, token);
                mixedFlags = await Assert.ThrowsAsync<ArgumentException>(() => socket.SendAsync(text.AsMemory(10), WebSocketMessageType.Text, WebSocketMessageFlags.EndOfMessage, token).AsTask());
                await socket.SendAsync(text.AsMemory(10), WebSocketMessageType.Text, WebSocketMessageFlags.EndOfMessage | WebSocketMessageFlags.DisableCompression, token);
                WebSocketReceiveResult close = await socket.ReceiveAsync(new ArraySegment<byte>(new byte[16]), token);
                Assert.Equal(WebSocketMessageType.Close, close.MessageType);
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, token);
            }

            sentFrames.TrySetResult(TappedMessage.From(await tap.AllFramesAsync(Timeout)));
        });
        using var client = new ClientWebSocket();
        client.Options.KeepAliveInterval = TimeSpan.Zero;
        client.Options.DangerousDeflateOptions = new WebSocketDeflateOptions();

        await client.ConnectAsync(server.GetUri("/"), timeout.Token);
        var received = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            (_, byte[] data) = await InteropFrames.ReceiveMessageAsync(client, timeout.Token);
            received.Add(System.Text.Encoding.UTF8.GetString(data));
        }

        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
        await server.WaitForNextHandlerAsync(Timeout);
        IReadOnlyList<TappedMessage> sent = await sentFrames.Task.WaitAsync(Timeout);

        Assert.All(received, text => Assert.Equal("compressible compressible compressible", text));
        Assert.NotNull(mixedFlags);
        Assert.Equal(new[] { true, false, false }, new[] { sent[0].Compressed, sent[1].Compressed, sent[2].Compressed });
        Assert.Equal(2, sent[2].FrameCount);
    }

    [Fact]
    public async Task A_keepalive_timeout_closes_with_1011_and_the_socket_reads_Aborted_before_any_call_reports_it()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        using LoopbackSocketPair sockets = await LoopbackSocketPair.ConnectAsync();
        var options = new WebSocketConnectionOptions(WebSocketRole.Server) { KeepAliveInterval = TimeSpan.FromMilliseconds(50), KeepAliveTimeout = TimeSpan.FromMilliseconds(100) };
        using WebSocket socket = new WebSocketConnectionAdapter(new WebSocketConnection(PipeReader.Create(sockets.Server), PipeWriter.Create(sockets.Server), options));

        // The raw peer never answers the ping, so the connection gives up on it.
        (byte ping, _) = await RawFrames.ReadAsync(sockets.Client, timeout.Token);
        ushort? code = await RawFrames.ReadCloseCodeAsync(sockets.Client, timeout.Token);

        Assert.Equal(0x89, ping);
        Assert.Equal((ushort)1011, code);
        Assert.Equal(WebSocketState.Aborted, socket.State);
        WebSocketException receive = await Assert.ThrowsAsync<WebSocketException>(() => socket.ReceiveAsync(new ArraySegment<byte>(new byte[16]), timeout.Token));
        Assert.Equal(WebSocketError.InvalidState, receive.WebSocketErrorCode);
    }

    [Fact]
    public async Task The_constructor_refuses_a_null_connection_and_one_that_is_no_longer_open()
    {
        using LoopbackSocketPair sockets = await LoopbackSocketPair.ConnectAsync();
        var connection = new WebSocketConnection(PipeReader.Create(sockets.Server), PipeWriter.Create(sockets.Server), WebSocketConnectionOptions.ForServer());
        connection.Abort();

        Assert.Throws<ArgumentNullException>(() => new WebSocketConnectionAdapter(null!));
        Assert.Throws<ArgumentException>(() => new WebSocketConnectionAdapter(connection));
        connection.Dispose();
    }
}
