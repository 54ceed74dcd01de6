using System.Net.WebSockets;
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using WebSocketProtocol.AspNetCore;
using WebSocketProtocol.Connection;
using WebSocketProtocol.Extensions.Deflate;
using WebSocketProtocol.Handshake;

namespace WebSocketProtocol.Tests.AspNetCore;

/// <summary>What the server endpoint saw of one WebSocket request, recorded when the endpoint returned.</summary>
/// <param name="Protocol">The request's HTTP version as ASP.NET Core reports it (<c>HTTP/1.1</c>, <c>HTTP/2</c>).</param>
/// <param name="Method">The request method: GET for an upgrade, CONNECT for an extended CONNECT.</param>
/// <param name="SubProtocol">The subprotocol agreed, if any.</param>
/// <param name="Extensions">The names of the extensions the connection applies.</param>
/// <param name="MessagesEchoed">How many data messages the endpoint echoed.</param>
/// <param name="PeerCloseStatus">The status of the client's close frame.</param>
/// <param name="PeerCloseReason">The reason in the client's close frame.</param>
/// <param name="Error">What the endpoint threw, if anything.</param>
internal sealed record ServerSession(
    string Protocol,
    string Method,
    string? SubProtocol,
    IReadOnlyList<string> Extensions,
    int MessagesEchoed,
    CloseStatus? PeerCloseStatus,
    string? PeerCloseReason,
    Exception? Error);

/// <summary>
/// An ASP.NET Core app on Kestrel with two loopback endpoints on free ports, one HTTP/1.1 only and one HTTP/2 only
/// (cleartext, prior knowledge), whose WebSockets are accepted with <see cref="WebSocketProtocolHttpContextExtensions"/>:
/// <list type="bullet">
/// <item><c>/echo</c>: a non-WebSocket request gets 400 from the endpoint itself; a WebSocket is echoed message by message
/// (outgoing messages fragmented at <see cref="EchoFragmentSize"/>) until the client closes.</item>
/// <item><c>/server-closes</c>: accepts, then closes with 4001 "server says bye" at once.</item>
/// <item><c>/unchecked</c>: hands every request to <c>AcceptWebSocketConnectionAsync</c> without asking first.</item>
/// </list>
/// The handshake speaks the subprotocols <c>superchat</c> then <c>chat</c>, permessage-deflate, and the default same-origin policy.
/// </summary>
internal sealed class AspNetCoreWebSocketHost : IAsyncDisposable
{
    /// <summary>Echoed messages longer than this go out in fragments of this size.</summary>
    public const int EchoFragmentSize = 16 * 1024;

    public const CloseStatus ServerCloseStatus = (CloseStatus)4001;

    public const string ServerCloseReason = "server says bye";

    private readonly WebApplication _app;
    private readonly Channel<ServerSession> _sessions = Channel.CreateUnbounded<ServerSession>();
    private readonly WebSocketServerOptions _options;

    private AspNetCoreWebSocketHost(WebApplication app, WebSocketServerOptions options)
    {
        _app = app;
        _options = options;
    }

    public int Http1Port { get; private set; }

    public int Http2Port { get; private set; }

    public int PortFor(int httpMajor) => httpMajor == 2 ? Http2Port : Http1Port;

    public Uri WebSocketUri(int httpMajor, string path) => new(string.Create(CultureInfo.InvariantCulture, $"ws://127.0.0.1:{PortFor(httpMajor)}{path}"));

    public Uri HttpUri(int httpMajor, string path) => new(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{PortFor(httpMajor)}{path}"));

    public static async Task<AspNetCoreWebSocketHost> StartAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        ListenOptions? http1 = null, http2 = null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, listen => (http1 = listen).Protocols = HttpProtocols.Http1);
            kestrel.Listen(IPAddress.Loopback, 0, listen => (http2 = listen).Protocols = HttpProtocols.Http2);
        });

        var options = new WebSocketServerOptions();
        options.SubProtocols.Add("superchat");
        options.SubProtocols.Add("chat");
        options.Extensions.Add(new PerMessageDeflateServerFactory());
        WebApplication app = builder.Build();
        var host = new AspNetCoreWebSocketHost(app, options);
        app.Map("/echo", host.EchoAsync);
        app.Map("/server-closes", host.ServerClosesAsync);
        app.Map("/unchecked", host.UncheckedAsync);
        try
        {
            await app.StartAsync().WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);

            // Kestrel writes the port it bound back into the listen options of a port-0 endpoint.
            host.Http1Port = ((IPEndPoint)http1!.EndPoint).Port;
            host.Http2Port = ((IPEndPoint)http2!.EndPoint).Port;
            return host;
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The next WebSocket request's record, in the order the endpoints returned.</summary>
    public async Task<ServerSession> NextSessionAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        return await _sessions.Reader.ReadAsync(cancel.Token).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        }
        finally
        {
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static WebSocketConnectionOptions EchoConnectionOptions() =>
        new(WebSocketRole.Server) { FragmentSize = EchoFragmentSize, MaxMessageSize = 4 * 1024 * 1024 };

    private async Task EchoAsync(HttpContext context)
    {
        if (!context.IsWebSocketProtocolRequest())
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync("WebSocket only\n").ConfigureAwait(false);
            return;
        }

        await RunSessionAsync(context, async connection =>
        {
            int echoed = 0;
            while (true)
            {
                WebSocketMessage message = await connection.ReceiveMessageAsync(context.RequestAborted).ConfigureAwait(false);
                if (message.MessageType == WebSocketMessageType.Close)
                {
                    return echoed;
                }

                await connection.SendAsync(message.Data, message.MessageType, context.RequestAborted).ConfigureAwait(false);
                echoed++;
            }
        }).ConfigureAwait(false);
    }

    private Task ServerClosesAsync(HttpContext context) =>
        RunSessionAsync(context, async connection =>
        {
            await connection.CloseAsync(ServerCloseStatus, ServerCloseReason, context.RequestAborted).ConfigureAwait(false);
            return 0;
        });

    private async Task UncheckedAsync(HttpContext context)
    {
        using WebSocketConnection? connection = await context.AcceptWebSocketConnectionAsync(_options).ConfigureAwait(false);
        if (connection is not null)
        {
            await connection.CloseAsync(CloseStatus.NormalClosure, null, context.RequestAborted).ConfigureAwait(false);
        }
    }

    private async Task RunSessionAsync(HttpContext context, Func<WebSocketConnection, Task<int>> run)
    {
        WebSocketConnection? connection = null;
        int echoed = 0;
        Exception? error = null;
        try
        {
            connection = await context.AcceptWebSocketConnectionAsync(_options, EchoConnectionOptions()).ConfigureAwait(false);
            if (connection is null)
            {
                return;
            }

            echoed = await run(connection).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            error = exception;
        }
        finally
        {
            if (connection is not null || error is not null)
            {
                _sessions.Writer.TryWrite(new ServerSession(
                    context.Request.Protocol,
                    context.Request.Method,
                    connection?.SubProtocol,
                    connection?.Extensions.Select(e => e.Name).ToArray() ?? [],
                    echoed,
                    connection?.PeerCloseStatus,
                    connection?.PeerCloseReason,
                    error));
            }

            connection?.Dispose();
        }
    }
}
