using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using WebSocketProtocol.Connection;
using WebSocketProtocol.Extensions;
using WebSocketProtocol.Handshake;

namespace WebSocketProtocol.AspNetCore;

/// <summary>
/// Accepts a WebSocket inside an ASP.NET Core request and runs this library's connection on it: over an HTTP/1.1 upgrade
/// (<see cref="IHttpUpgradeFeature"/>) or an HTTP/2 extended CONNECT (RFC 8441, <see cref="IHttpExtendedConnectFeature"/>).
/// The request is checked by the same rules as <see cref="HandshakeNegotiator"/> applies to a raw connection.
/// </summary>
public static class WebSocketProtocolHttpContextExtensions
{
    /// <summary>
    /// Whether the request asks for a WebSocket: an HTTP/1.1 request whose Upgrade header lists <c>websocket</c>, or an
    /// extended CONNECT whose <c>:protocol</c> is <c>websocket</c>. Says nothing of the rest of the handshake, which
    /// <see cref="AcceptWebSocketConnectionAsync"/> checks and, if it fails, refuses with the matching status.
    /// </summary>
    /// <param name="context">The request.</param>
    public static bool IsWebSocketProtocolRequest(this HttpContext context)
    {
        if (context is null)
        {
            throw new ArgumentNullException(nameof(context));
        }

        if (context.Features.Get<IHttpExtendedConnectFeature>() is { IsExtendedConnect: true } connect)
        {
            return string.Equals(connect.Protocol, "websocket", StringComparison.OrdinalIgnoreCase);
        }

        return HeaderTokens.Contains(context.Request.Headers.Upgrade, "websocket");
    }

    /// <summary>
    /// Runs the opening handshake on the request and, when it passes, switches the request to WebSocket (101 over HTTP/1.1,
    /// 200 over HTTP/2) and returns the connection, with the agreed subprotocol and extensions (permessage-deflate when
    /// <see cref="WebSocketServerOptions.Extensions"/> holds a <see cref="WebSocketProtocol.Extensions.Deflate.PerMessageDeflateServerFactory"/>
    /// and the client offered it). Otherwise the error response is written (400, 403 for a refused origin, 426 with
    /// <c>Sec-WebSocket-Version: 13</c> for another version, and so on; 426 with <c>Upgrade: websocket</c> for a plain
    /// request that is no WebSocket handshake at all) and <see langword="null"/> comes back.
    /// </summary>
    /// <remarks>
    /// The connection lives on the request: keep the endpoint running until the connection is done, then dispose it and
    /// return, which ends the request and, over HTTP/1.1, the TCP connection.
    /// </remarks>
    /// <param name="context">The request; its response must not have started.</param>
    /// <param name="options">
    /// The handshake's policy: origin policy, subprotocols, extensions, request filter and header limits.
    /// <see cref="WebSocketServerOptions.HandshakeTimeout"/> does not apply: the server has read the request already.
    /// </param>
    /// <param name="connectionOptions">The connection's limits and timers; <see langword="null"/> for <see cref="WebSocketConnectionOptions.ForServer"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="connectionOptions"/> are not for the server role.</exception>
    /// <exception cref="InvalidOperationException">The response has started, or the server cannot switch this request to another protocol.</exception>
    public static async ValueTask<WebSocketConnection?> AcceptWebSocketConnectionAsync(this HttpContext context, WebSocketServerOptions options, WebSocketConnectionOptions? connectionOptions = null)
    {
        if (context is null)
        {
            throw new ArgumentNullException(nameof(context));
        }

        if (options is null)
        {
            throw new ArgumentNullException(nameof(options));
        }

        connectionOptions ??= WebSocketConnectionOptions.ForServer();
        if (connectionOptions.Role != WebSocketRole.Server)
        {
            throw new ArgumentException("A connection accepted by a server needs server options.", nameof(connectionOptions));
        }

        if (context.Response.HasStarted)
        {
            throw new InvalidOperationException("The response has started: the request can no longer be answered with a handshake.");
        }

        IHttpExtendedConnectFeature? connect = context.Features.Get<IHttpExtendedConnectFeature>();
        bool extendedConnect = connect is { IsExtendedConnect: true };
        HttpRequestInfo request = RequestHead.Read(context, extendedConnect ? connect!.Protocol : null);
        var responseHeaders = new List<KeyValuePair<string, string>>(5);
        ServerHandshakeResult result = ServerHandshake.Negotiate(request, options, responseHeaders);
        ILogger logger = Logger(context);
        EndPoint? peer = context.Connection.RemoteIpAddress is { } address ? new IPEndPoint(address, context.Connection.RemotePort) : null;
        if (result.Outcome != HandshakeOutcome.Accepted)
        {
            HandshakeError refusal = result.Outcome == HandshakeOutcome.NotWebSocket ? HandshakeError.UpgradeRequired : result.Error;
            WebSocketLog.HandshakeRefused(logger, refusal.ToStatusCode(), refusal, peer, context.Request.Path.Value ?? string.Empty);
            await RefuseAsync(context, result, responseHeaders).ConfigureAwait(false);
            return null;
        }

        WebSocketLog.Accepted(logger, peer, context.Request.Path.Value ?? string.Empty, result.SubProtocol, result.Extensions.Count);

        Stream transport;
        try
        {
            foreach (KeyValuePair<string, string> header in responseHeaders)
            {
                context.Response.Headers.Append(header.Key, header.Value);
            }

            transport = await SwitchProtocolsAsync(context, extendedConnect ? connect : null).ConfigureAwait(false);
        }
        catch
        {
            // The connection never took the extensions over: their compression state goes back to the pool here.
            foreach (WebSocketExtension extension in result.Extensions)
            {
                extension.Dispose();
            }

            throw;
        }

        // A WebSocket outlives any request timeout the app configured for ordinary requests.
        context.Features.Get<IHttpRequestTimeoutFeature>()?.DisableTimeout();
        (PipeReader input, PipeWriter output) = UpgradedStreamPipes.Create(transport);
        return new WebSocketConnection(input, output, connectionOptions, result);
    }

    private static ILogger Logger(HttpContext context) =>
        context.RequestServices?.GetService(typeof(ILoggerFactory)) is ILoggerFactory factory
            ? factory.CreateLogger(WebSocketLog.Category)
            : NullLogger.Instance;

    /// <summary>Sends the response that switches the request over and returns the stream that carries the frames.</summary>
    private static async ValueTask<Stream> SwitchProtocolsAsync(HttpContext context, IHttpExtendedConnectFeature? extendedConnect)
    {
        if (extendedConnect is not null)
        {
            // The status is still the default 200, which AcceptAsync requires (RFC 8441 section 5: a 2xx accepts).
            return await extendedConnect.AcceptAsync().ConfigureAwait(false);
        }

        IHttpUpgradeFeature? upgrade = context.Features.Get<IHttpUpgradeFeature>();
        if (upgrade is not { IsUpgradableRequest: true })
        {
            throw new InvalidOperationException("The server does not offer to upgrade this request (IHttpUpgradeFeature).");
        }

        // Sends 101 with the headers set above.
        return await upgrade.UpgradeAsync().ConfigureAwait(false);
    }

    private static async Task RefuseAsync(HttpContext context, ServerHandshakeResult result, List<KeyValuePair<string, string>> responseHeaders)
    {
        // A plain request sent to a WebSocket endpoint is not a handshake at all: 426 says what the endpoint speaks, with
        // the Upgrade header RFC 9110 section 15.5.22 asks for (HTTP/1.1 only: HTTP/2 has no Upgrade, RFC 9113 section 8.2.2).
        HandshakeError error = result.Outcome == HandshakeOutcome.NotWebSocket ? HandshakeError.UpgradeRequired : result.Error;
        HttpResponse response = context.Response;
        response.StatusCode = error.ToStatusCode();
        if (result.Outcome == HandshakeOutcome.NotWebSocket && HttpProtocol.IsHttp11(context.Request.Protocol))
        {
            response.Headers.Upgrade = "websocket";
            response.Headers.Connection = "Upgrade";
        }

        foreach (KeyValuePair<string, string> header in responseHeaders)
        {
            response.Headers.Append(header.Key, header.Value);
        }

        // A sized body, as the raw server sends it: no chunked framing for a one-line answer.
        byte[] body = Encoding.ASCII.GetBytes(error.GetDescription() + "\n");
        response.ContentType = "text/plain; charset=utf-8";
        response.ContentLength = body.Length;
        try
        {
            await response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away before hearing why; the refusal stands.
        }
    }
}
