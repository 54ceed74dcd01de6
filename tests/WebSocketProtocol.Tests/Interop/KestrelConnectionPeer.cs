using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace WebSocketProtocol.Tests.Interop;

/// <summary>One whole message Kestrel's endpoint received.</summary>
/// <param name="Type">Text or binary.</param>
/// <param name="Data">Its bytes.</param>
/// <param name="Receives">How many receives it took (at least one per frame).</param>
internal sealed record KestrelPeerMessage(WebSocketMessageType Type, byte[] Data, int Receives);

/// <summary>What Kestrel's endpoint saw on its WebSocket connection, once the endpoint returned.</summary>
/// <param name="Messages">Every data message received, commands included.</param>
/// <param name="ClosedFirst">Whether Kestrel started the closing handshake (a <c>!close</c> command).</param>
/// <param name="CloseStatus">The status of our close frame (the first, or the answer to Kestrel's).</param>
/// <param name="CloseDescription">The reason of our close frame.</param>
/// <param name="FinalState">The Kestrel WebSocket's state when the endpoint returned.</param>
internal sealed record KestrelPeerSession(
    IReadOnlyList<KestrelPeerMessage> Messages,
    bool ClosedFirst,
    WebSocketCloseStatus? CloseStatus,
    string? CloseDescription,
    WebSocketState FinalState)
{
    /// <summary>The Sec-WebSocket-Extensions header of our request, or <see langword="null"/>.</summary>
    public string? OfferedExtensions { get; init; }

    /// <summary>The Sec-WebSocket-Extensions header Kestrel answered with, or <see langword="null"/>.</summary>
    public string? AnsweredExtensions { get; init; }
}

/// <summary>
/// ASP.NET Core on Kestrel at <c>http://127.0.0.1:0</c> with <c>UseWebSockets</c> and one endpoint, <c>/ws</c>, the peer of
/// our client in the connection-level interop tests. It receives through a <see cref="ReceiveBufferSize"/> buffer, echoes
/// each whole data message with its type in frames of at most that size, runs the <c>!fragment</c> and <c>!close</c>
/// commands of <see cref="ConnectionInterop"/>, and answers our close with the same code and reason. Optionally it pings
/// us itself (Kestrel's keep-alive with a timeout: no pong in time aborts the connection), and the test may set more of
/// the <see cref="WebSocketAcceptContext"/> (permessage-deflate: <see cref="WebSocketAcceptContext.DangerousEnableCompression"/>).
/// </summary>
internal sealed class KestrelConnectionPeer : IAsyncDisposable
{
    /// <summary>The receive buffer, and the largest frame an echo is sent in.</summary>
    public const int ReceiveBufferSize = 4096;

    private readonly WebApplication _app;
    private readonly TimeSpan? _keepAliveInterval;
    private readonly TimeSpan? _keepAliveTimeout;
    private readonly Action<WebSocketAcceptContext>? _configureAccept;
    private readonly TaskCompletionSource<KestrelPeerSession> _session = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private KestrelConnectionPeer(WebApplication app, TimeSpan? keepAliveInterval, TimeSpan? keepAliveTimeout, Action<WebSocketAcceptContext>? configureAccept)
    {
        _app = app;
        _keepAliveInterval = keepAliveInterval;
        _keepAliveTimeout = keepAliveTimeout;
        _configureAccept = configureAccept;
    }

    public int Port { get; private set; }

    /// <summary>Completes when the first WebSocket connection's endpoint has returned; faults if it threw.</summary>
    public Task<KestrelPeerSession> Session => _session.Task;

    public Uri Uri => new(string.Create(CultureInfo.InvariantCulture, $"ws://127.0.0.1:{Port}/ws"));

    /// <summary>
    /// Starts Kestrel; with <paramref name="keepAliveInterval"/> and <paramref name="keepAliveTimeout"/> it pings us that
    /// often and aborts when a pong is late; <paramref name="configureAccept"/> sets anything else on the accept context.
    /// </summary>
    public static async Task<KestrelConnectionPeer> StartAsync(TimeSpan? keepAliveInterval = null, TimeSpan? keepAliveTimeout = null, Action<WebSocketAcceptContext>? configureAccept = null)
    {
        WebApplication app = LoopbackKestrel.CreateApp();
        var peer = new KestrelConnectionPeer(app, keepAliveInterval, keepAliveTimeout, configureAccept);
        app.UseWebSockets();
        app.Map("/ws", (RequestDelegate)peer.HandleAsync);
        peer.Port = await LoopbackKestrel.StartAsync(app, ConnectionInterop.Timeout).ConfigureAwait(false);
        return peer;
    }

    public ValueTask DisposeAsync() => LoopbackKestrel.StopAsync(_app);

    private async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        try
        {
            var accept = new WebSocketAcceptContext();
            if (_keepAliveInterval is { } interval)
            {
                accept.KeepAliveInterval = interval;
            }

            if (_keepAliveTimeout is { } timeout)
            {
                accept.KeepAliveTimeout = timeout;
            }

            _configureAccept?.Invoke(accept);
            string? offered = context.Request.Headers.SecWebSocketExtensions;
            using WebSocket socket = await context.WebSockets.AcceptWebSocketAsync(accept).ConfigureAwait(false);
            string? answered = context.Response.Headers.SecWebSocketExtensions;
            KestrelPeerSession session = await RunAsync(socket, context.RequestAborted).ConfigureAwait(false);
            _session.TrySetResult(session with { OfferedExtensions = offered, AnsweredExtensions = answered });
        }
        catch (Exception exception)
        {
            _session.TrySetException(exception);
            throw;
        }
    }

    private static async Task<KestrelPeerSession> RunAsync(WebSocket socket, CancellationToken aborted)
    {
        var messages = new List<KestrelPeerMessage>();
        var buffer = new byte[ReceiveBufferSize];
        var message = new ArrayBufferWriter<byte>();
        int receives = 0;
        while (true)
        {
            ValueWebSocketReceiveResult result = await socket.ReceiveAsync(buffer.AsMemory(), aborted).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                // Our close came first: answer it with the same code and reason.
                await socket.CloseAsync(socket.CloseStatus ?? WebSocketCloseStatus.Empty, socket.CloseStatusDescription, aborted).ConfigureAwait(false);
                return new KestrelPeerSession(messages, false, socket.CloseStatus, socket.CloseStatusDescription, socket.State);
            }

            message.Write(buffer.AsSpan(0, result.Count));
            receives++;
            if (!result.EndOfMessage)
            {
                continue;
            }

            byte[] data = message.WrittenSpan.ToArray();
            messages.Add(new KestrelPeerMessage(result.MessageType, data, receives));
            message.ResetWrittenCount();
            receives = 0;
            if (result.MessageType == WebSocketMessageType.Text && data.Length > 0 && data[0] == (byte)'!')
            {
                (string name, string rest) = ConnectionInterop.ParseCommand(ConnectionInterop.FromUtf8(data));
                if (name == "fragment")
                {
                    string[] arguments = rest.Split(':', 3);
                    int first = int.Parse(arguments[0], CultureInfo.InvariantCulture);
                    int second = int.Parse(arguments[1], CultureInfo.InvariantCulture);
                    byte[] body = ConnectionInterop.Utf8(arguments[2]);
                    await socket.SendAsync(body.AsMemory(0, first), WebSocketMessageType.Text, endOfMessage: false, aborted).ConfigureAwait(false);
                    await socket.SendAsync(body.AsMemory(first, second - first), WebSocketMessageType.Text, endOfMessage: false, aborted).ConfigureAwait(false);
                    await socket.SendAsync(body.AsMemory(second), WebSocketMessageType.Text, endOfMessage: true, aborted).ConfigureAwait(false);
                    continue;
                }

                if (name == "close")
                {
                    string[] arguments = rest.Split(':', 2);
                    var status = (WebSocketCloseStatus)int.Parse(arguments[0], CultureInfo.InvariantCulture);
                    // Sends Kestrel's close and reads up to ours.
                    await socket.CloseAsync(status, arguments[1], aborted).ConfigureAwait(false);
                    return new KestrelPeerSession(messages, true, socket.CloseStatus, socket.CloseStatusDescription, socket.State);
                }

                throw new InvalidOperationException($"Unknown command '{ConnectionInterop.FromUtf8(data)}'.");
            }

            // The echo goes out in frames of at most ReceiveBufferSize bytes, so a large message comes back fragmented.
            for (int offset = 0; offset < data.Length || offset == 0; offset += ReceiveBufferSize)
            {
                int count = Math.Min(ReceiveBufferSize, data.Length - offset);
                await socket.SendAsync(data.AsMemory(offset, count), result.MessageType, offset + count == data.Length, aborted).ConfigureAwait(false);
                if (data.Length == 0)
                {
                    break;
                }
            }
        }
    }
}
