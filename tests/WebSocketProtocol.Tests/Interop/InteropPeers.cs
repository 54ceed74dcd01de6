using System;
using System.Buffers;
using System.Globalization;
using System.Linq;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using Xunit;
using WebSocketConnection = WebSocketProtocol.Connection.WebSocketConnection;
using WebSocketMessage = WebSocketProtocol.Connection.WebSocketMessage;
using WebSocketProtocol.Tests.Support;

namespace WebSocketProtocol.Tests.Interop;

/// <summary>
/// Starting, driving and waiting on the peers of the connection-level interop tests (<see cref="ClientWebSocket"/>, the
/// Node scripts connection-client.js and connection-server.js, our own <see cref="WebSocketConnection"/>), each wait
/// bounded by <see cref="ConnectionInterop.Timeout"/>.
/// </summary>
internal static class InteropPeers
{
    private static readonly TimeSpan Timeout = ConnectionInterop.Timeout;

    public static Task Within(Task task) => task.WaitAsync(Timeout);

    public static Task Within(ValueTask task) => task.AsTask().WaitAsync(Timeout);

    public static Task<T> Within<T>(Task<T> task) => task.WaitAsync(Timeout);

    public static Task<T> Within<T>(ValueTask<T> task) => task.AsTask().WaitAsync(Timeout);

    /// <summary>Receives one whole data message on our connection and copies it out of the connection's buffer.</summary>
    public static async Task<(WebSocketMessageType Type, byte[] Data)> ReceiveAsync(WebSocketConnection connection)
    {
        WebSocketMessage message = await Within(connection.ReceiveMessageAsync());
        Assert.True(message.MessageType != WebSocketMessageType.Close, $"The peer closed ({message.CloseStatus} '{message.CloseReason}') where a data message was expected.");
        return (message.MessageType, message.Data.ToArray());
    }

    /// <summary>Connects a <see cref="ClientWebSocket"/> without keep-alive to <paramref name="server"/>; <paramref name="configure"/> may set more options first.</summary>
    public static async Task<ClientWebSocket> ConnectClientWebSocketAsync(LoopbackWebSocketServer server, Action<ClientWebSocketOptions>? configure = null)
    {
        var client = new ClientWebSocket();
        // No keep-alive frames of its own: each test decides what the client sends.
        client.Options.KeepAliveInterval = TimeSpan.Zero;
        configure?.Invoke(client.Options);
        try
        {
            await Within(client.ConnectAsync(server.GetUri("/connection"), CancellationToken.None));
        }
        catch
        {
            client.Dispose();
            throw;
        }

        return client;
    }

    public static Task SendTextAsync(ClientWebSocket client, string text) =>
        Within(client.SendAsync(ConnectionInterop.Utf8(text), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None));

    /// <summary>Receives one whole message on a <see cref="ClientWebSocket"/>, counting the receives it took.</summary>
    public static async Task<(WebSocketMessageType Type, byte[] Data, int Receives)> ReceiveWholeAsync(ClientWebSocket client)
    {
        var payload = new ArrayBufferWriter<byte>();
        int receives = 0;
        while (true)
        {
            ValueWebSocketReceiveResult result = await Within(client.ReceiveAsync(payload.GetMemory(16 * 1024), CancellationToken.None));
            receives++;
            payload.Advance(result.Count);
            if (result.EndOfMessage)
            {
                return (result.MessageType, payload.WrittenSpan.ToArray(), receives);
            }
        }
    }

    /// <summary>Runs node/connection-client.js against a fresh server of ours; returns once both have finished.</summary>
    public static Task<(ChildProcess Node, ConnectionEchoHandler Handler)> RunNodeClientAsync(string scenario, params string[] arguments) =>
        RunNodeClientAsync(new ConnectionEchoHandler(), scenario, arguments);

    /// <summary>Runs node/connection-client.js against a fresh server of ours running <paramref name="handler"/>; returns once both have finished.</summary>
    public static async Task<(ChildProcess Node, ConnectionEchoHandler Handler)> RunNodeClientAsync(ConnectionEchoHandler handler, string scenario, params string[] arguments)
    {
        await using LoopbackWebSocketServer server = LoopbackWebSocketServer.Start(handler.HandleAsync);
        ChildProcess node = ChildProcess.StartNode("connection-client.js", new[] { server.GetUri("/node").ToString(), scenario }.Concat(arguments).ToArray());
        try
        {
            int exitCode = await node.WaitForExitAsync(Timeout);
            Assert.True(exitCode == 0, $"node connection-client.js {scenario} exited with {exitCode}. {node.Describe()}");
            await server.WaitForNextHandlerAsync(Timeout);
            return (node, handler);
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts node/connection-server.js with <paramref name="arguments"/> and returns it once it listens, with its URI.</summary>
    public static async Task<(ChildProcess Node, Uri Uri)> StartNodeServerAsync(params string[] arguments)
    {
        ChildProcess node = ChildProcess.StartNode("connection-server.js", arguments);
        try
        {
            string port = await node.WaitForLineAsync("PORT ", Timeout);
            return (node, new Uri("ws://127.0.0.1:" + int.Parse(port, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture) + "/connection"));
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    public static void AssertNodeLine(ChildProcess node, string line) =>
        Assert.True(node.Output.Contains(line), $"node printed no line '{line}'. {node.Describe()}");

    /// <summary>Waits for node to print exactly <paramref name="line"/> (its output arrives asynchronously).</summary>
    public static async Task WaitForNodeLineAsync(ChildProcess node, string line)
    {
        using var deadline = new CancellationTokenSource(Timeout);
        while (!node.Output.Contains(line))
        {
            try
            {
                await Task.Delay(20, deadline.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"node printed no line '{line}' within {Timeout}. {node.Describe()}");
            }
        }
    }
}
