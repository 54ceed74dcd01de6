using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace WebSocketProtocol.Tests.Interop;

/// <summary>What the Kestrel endpoint saw on one WebSocket connection.</summary>
/// <param name="RequestedProtocols">The subprotocols the client offered.</param>
/// <param name="SubProtocol">The subprotocol the server accepted with.</param>
/// <param name="Messages">Each message echoed: its type, total length, and how many receives it took.</param>
/// <param name="CloseStatus">The status of the client's close frame, or <see langword="null"/> if none arrived.</param>
/// <param name="CloseDescription">The reason of the client's close frame.</param>
internal sealed record KestrelSession(
    IReadOnlyList<string> RequestedProtocols,
    string? SubProtocol,
    IReadOnlyList<(WebSocketMessageType Type, int Length, int Receives)> Messages,
    WebSocketCloseStatus? CloseStatus,
    string? CloseDescription);

/// <summary>
/// An ASP.NET Core app on Kestrel at <c>http://127.0.0.1:0</c> with <c>UseWebSockets</c> and one endpoint, <c>/ws</c>, that
/// accepts with the subprotocol <c>chat</c> when offered and echoes every message piece by piece as it is received (a
/// <see cref="ReceiveBufferSize"/> buffer, so a large message is echoed as several frames), then answers the client's close.
/// Any other path is 404. It records the first WebSocket connection as a <see cref="KestrelSession"/>.
/// </summary>
internal sealed class KestrelEchoServer : IAsyncDisposable
{
    /// <summary>The echo loop's buffer: the most one echoed frame can carry.</summary>
    public const int ReceiveBufferSize = 4096;

    private readonly WebApplication _app;
    private readonly TaskCompletionSource<KestrelSession> _session = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private KestrelEchoServer(WebApplication app) => _app = app;

    /// <summary>The port Kestrel bound on 127.0.0.1.</summary>
    public int Port { get; private set; }

    /// <summary>Completes when the first WebSocket connection's endpoint has returned; faults if it threw.</summary>
    public Task<KestrelSession> Session => _session.Task;

    public Uri GetUri(string path) => new($"ws://127.0.0.1:{Port}{path}");

    public static async Task<KestrelEchoServer> StartAsync(CancellationToken cancellationToken)
    {
        WebApplication app = LoopbackKestrel.CreateApp();
        var server = new KestrelEchoServer(app);
        app.UseWebSockets();
        app.Map("/ws", (RequestDelegate)server.HandleAsync);
        server.Port = await LoopbackKestrel.StartAsync(app, System.Threading.Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
        return server;
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
            List<string> requested = context.WebSockets.WebSocketRequestedProtocols.ToList();
            string? chosen = requested.Contains("chat") ? "chat" : null;
            using WebSocket socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { SubProtocol = chosen }).ConfigureAwait(false);
            var messages = new List<(WebSocketMessageType, int, int)>();
            var buffer = new byte[ReceiveBufferSize];
            int length = 0;
            int receives = 0;
            CancellationToken aborted = context.RequestAborted;
            while (true)
            {
                ValueWebSocketReceiveResult result = await socket.ReceiveAsync(buffer.AsMemory(), aborted).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseAsync(socket.CloseStatus ?? WebSocketCloseStatus.Empty, socket.CloseStatusDescription, aborted).ConfigureAwait(false);
                    _session.TrySetResult(new KestrelSession(requested, socket.SubProtocol, messages, socket.CloseStatus, socket.CloseStatusDescription));
                    return;
                }

                length += result.Count;
                receives++;
                await socket.SendAsync(buffer.AsMemory(0, result.Count), result.MessageType, result.EndOfMessage, aborted).ConfigureAwait(false);
                if (result.EndOfMessage)
                {
                    messages.Add((result.MessageType, length, receives));
                    length = 0;
                    receives = 0;
                }
            }
        }
        catch (Exception exception)
        {
            _session.TrySetException(exception);
            throw;
        }
    }
}
