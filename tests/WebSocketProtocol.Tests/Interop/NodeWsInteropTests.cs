using System;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Framing;
using WebSocketProtocol.Handshake;
using WebSocketProtocol.Transport;
using Xunit;
using WebSocketProtocol.Tests.Support;

namespace WebSocketProtocol.Tests.Interop;

/// <summary>
/// Node's <c>ws</c> package (pinned in Interop/node/package.json, installed by eng/test.sh) as the peer of this library:
/// its echo server against our client, and its client against our server.
/// </summary>
[Collection(InteropCollection.Name)]
public sealed class NodeWsInteropTests
{
    private static readonly TimeSpan Timeout = InteropFrames.Timeout;

    private static async Task<(ChildProcess Node, Uri Uri)> StartEchoServerAsync()
    {
        ChildProcess node = ChildProcess.StartNode("echo-server.js");
        try
        {
            string port = await node.WaitForLineAsync("PORT ", Timeout);
            return (node, new Uri("ws://127.0.0.1:" + int.Parse(port, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture) + "/echo"));
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    private static WebSocketClientOptions ChatClientOptions()
    {
        var options = new WebSocketClientOptions();
        options.SubProtocols.Add("chat");
        return options;
    }

    [Fact]
    public async Task Our_client_and_the_ws_echo_server_agree_on_chat_round_trip_hello_and_close_with_1000_both_ways()
    {
        (ChildProcess node, Uri uri) = await StartEchoServerAsync();
        await using (node)
        {
            using var timeout = new CancellationTokenSource(Timeout);
            string? subprotocol;
            ReceivedMessage echo, close;
            ReceivedMessage? afterClose;
            using (WebSocketClientConnection connection = await WebSocketClient.ConnectTransportAsync(uri, ChatClientOptions(), timeout.Token))
            {
                subprotocol = connection.Handshake.SubProtocol;
                var reader = new FrameReader(connection.Input, new FrameReaderOptions(WebSocketRole.Client));
                var writer = new FrameWriter(connection.Output, WebSocketRole.Client);

                writer.WriteFrame(Opcode.Text, InteropFrames.Utf8("hello"));
                await connection.Output.FlushAsync(timeout.Token);
                echo = await InteropFrames.ReadRequiredMessageAsync(reader, timeout.Token);
                writer.WriteClose(CloseStatus.NormalClosure, "bye");
                await connection.Output.FlushAsync(timeout.Token);
                close = await InteropFrames.ReadRequiredMessageAsync(reader, timeout.Token);
                // The server closes TCP first (RFC 6455 section 7.1.1); the client closes its side once it sees that.
                afterClose = await InteropFrames.ReadMessageAsync(reader, timeout.Token);
            }

            Assert.Equal("chat", subprotocol);
            Assert.Equal("chat", await node.WaitForLineAsync("PROTOCOL ", Timeout));
            Assert.Equal(Opcode.Text, echo.Opcode);
            Assert.Equal("hello", echo.Text);
            Assert.False(echo.AllMasked);
            Assert.Equal(Opcode.Close, close.Opcode);
            Assert.Equal(InteropFrames.CloseBody(1000, "bye"), close.Payload);
            Assert.Null(afterClose);
            // ws reports the close once both close frames crossed and the TCP connection is down.
            Assert.Equal("1000 bye", await node.WaitForLineAsync("CLOSE ", Timeout));
        }
    }

    [Fact]
    public async Task A_64_KiB_binary_message_our_client_sends_in_three_fragments_is_reassembled_by_ws_and_echoed_intact()
    {
        (ChildProcess node, Uri uri) = await StartEchoServerAsync();
        await using (node)
        {
            using var timeout = new CancellationTokenSource(Timeout);
            byte[] message = InteropFrames.Pattern(64 * 1024);
            ReceivedMessage echo, close;
            ReceivedMessage? afterClose;
            using (WebSocketClientConnection connection = await WebSocketClient.ConnectTransportAsync(uri, ChatClientOptions(), timeout.Token))
            {
                var reader = new FrameReader(connection.Input, new FrameReaderOptions(WebSocketRole.Client));
                var writer = new FrameWriter(connection.Output, WebSocketRole.Client);

                writer.WriteFrame(Opcode.Binary, message.AsSpan(0, 20_000), isFinal: false);
                writer.WriteFrame(Opcode.Continuation, message.AsSpan(20_000, 20_000), isFinal: false);
                writer.WriteFrame(Opcode.Continuation, message.AsSpan(40_000), isFinal: true);
                await connection.Output.FlushAsync(timeout.Token);
                echo = await InteropFrames.ReadRequiredMessageAsync(reader, timeout.Token);
                writer.WriteClose(CloseStatus.NormalClosure);
                await connection.Output.FlushAsync(timeout.Token);
                close = await InteropFrames.ReadRequiredMessageAsync(reader, timeout.Token);
                afterClose = await InteropFrames.ReadMessageAsync(reader, timeout.Token);
            }

            Assert.Equal(Opcode.Binary, echo.Opcode);
            Assert.Equal(message, echo.Payload);
            Assert.Equal(Opcode.Close, close.Opcode);
            Assert.Equal(InteropFrames.CloseBody(1000, string.Empty), close.Payload);
            Assert.Null(afterClose);
            Assert.Equal("1000 ", await node.WaitForLineAsync("CLOSE ", Timeout));
        }
    }

    [Fact]
    public async Task The_ws_client_gets_hello_echoed_by_our_server_with_subprotocol_chat_and_its_close_1000_bye_answered()
    {
        var handler = new FrameEchoHandler(FrameEchoHandler.ChatOptions());
        await using LoopbackWebSocketServer server = LoopbackWebSocketServer.Start(handler.HandleAsync);
        await using ChildProcess node = ChildProcess.StartNode("client.js", server.GetUri("/node").ToString());

        int exitCode = await node.WaitForExitAsync(Timeout);
        await server.WaitForNextHandlerAsync(Timeout);

        Assert.True(exitCode == 0, $"node client.js exited with {exitCode}. {node.Describe()}");
        Assert.Contains("RESULT hello chat 1000 bye", node.Output);
        Assert.Equal(HandshakeOutcome.Accepted, handler.Handshake.Outcome);
        Assert.Equal("chat", handler.Handshake.SubProtocol);
        Assert.Equal(2, handler.Received.Count);
        Assert.Equal(Opcode.Text, handler.Received[0].Opcode);
        Assert.Equal("hello", handler.Received[0].Text);
        Assert.True(handler.Received[0].AllMasked);
        Assert.Equal(Opcode.Close, handler.Received[1].Opcode);
        Assert.Equal(InteropFrames.CloseBody(1000, "bye"), handler.Received[1].Payload);
    }
}
