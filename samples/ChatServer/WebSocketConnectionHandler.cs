using System;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using ChatServer.Chat;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Hosting;
using WebSocketProtocol.Connection;
using WebSocketProtocol.Extensions.Deflate;
using WebSocketProtocol.Handshake;

namespace ChatServer;

/// <summary>
/// Takes raw connections from Kestrel's socket transport and does everything WebSocket with the library: the handshake,
/// then a <see cref="WebSocketConnection"/> per client, for <c>/chat</c> or <c>/echo</c>. Plain HTTP requests get the
/// chat page (<see cref="StaticFiles"/>).
/// </summary>
internal sealed class WebSocketConnectionHandler : ConnectionHandler
{
    private static readonly PerMessageDeflateServerFactory DeflateFactory = new();

    private readonly ServerArguments _arguments;
    private readonly HostPolicy _hosts;
    private readonly ChatEndpoint _chat;
    private readonly CancellationToken _stopping;
    private readonly WebSocketConnectionOptions _echoOptions;
    private readonly WebSocketConnectionOptions _chatOptions;

    public WebSocketConnectionHandler(ServerArguments arguments, HostPolicy hosts, ChatEndpoint chat, IHostApplicationLifetime lifetime)
    {
        _arguments = arguments;
        _hosts = hosts;
        _chat = chat;
        _stopping = lifetime.ApplicationStopping;

        // One set of options for every connection of each kind: they depend only on the command line.
        _echoOptions = WithTimers(WebSocketConnectionOptions.ForServer(), arguments.Timers);
        _echoOptions.MaxMessageSize = arguments.MaxMessageSize;

        // A chat message is text of bounded length: its JSON in UTF-8 fits comfortably in four bytes a character.
        _chatOptions = WithTimers(WebSocketConnectionOptions.ForServer(), arguments.Timers);
        _chatOptions.MaxMessageSize = Math.Max(4096, (arguments.MaxChatMessage * 4L) + 1024);
    }

    public override async Task OnConnectedAsync(ConnectionContext context)
    {
        try
        {
            await ServeAsync(context);
        }
        finally
        {
            await TransportShutdown.CloseAsync(context, _arguments.Timers.Close);
        }
    }

    private async Task ServeAsync(ConnectionContext context)
    {
        (ServerHandshakeResult handshake, string? path, string room) = await AcceptAsync(context);
        if (handshake.Outcome == HandshakeOutcome.NotWebSocket)
        {
            HttpRequestInfo request = handshake.Request!;
            if (_hosts.Allows(request.GetHeader("Host")))
            {
                await StaticFiles.AnswerAsync(context.Transport.Output, request, IsWebSocketPath(request.Path));
            }
            else
            {
                await StaticFiles.AnswerMisdirectedAsync(context.Transport.Output);
            }

            return;
        }

        if (handshake.Outcome != HandshakeOutcome.Accepted)
        {
            return;
        }

        if (path == "/chat")
        {
            using var chatConnection = new WebSocketConnection(context.Transport.Input, context.Transport.Output, _chatOptions, handshake);
            await _chat.RunAsync(chatConnection, room, (context.RemoteEndPoint as IPEndPoint)?.Address, _stopping);
            return;
        }

        using var connection = new WebSocketConnection(context.Transport.Input, context.Transport.Output, _echoOptions, handshake);
        await EchoEndpoint.RunAsync(connection, _stopping);
    }

    /// <summary>
    /// The opening handshake, in a method of its own so that its options and filter are garbage once it is done rather
    /// than held for the connection's whole life: an idle connection should cost little.
    /// </summary>
    private async Task<(ServerHandshakeResult Handshake, string? Path, string Room)> AcceptAsync(ConnectionContext context)
    {
        // Browsers may connect from the page's own origin or an allowed one (RFC 6455 section 10.2); other clients send none.
        var handshakeOptions = new WebSocketServerOptions { OriginPolicy = OriginPolicy.SameOrigin, HandshakeTimeout = _arguments.Timers.Handshake };
        foreach (string origin in _arguments.AllowedOrigins)
        {
            handshakeOptions.AllowedOrigins.Add(origin);
        }

        // Browsers offer permessage-deflate; agreeing costs memory only while messages are compressed.
        handshakeOptions.Extensions.Add(DeflateFactory);
        string? path = null;
        string room = "lobby";
        handshakeOptions.RequestFilter = request =>
        {
            // A Host that is not ours is a DNS rebinding page talking to a server on this machine: 403.
            if (!_hosts.Allows(request.GetHeader("Host")))
            {
                return HandshakeError.RejectedByApplication;
            }

            path = request.GetPathString();
            if (path == "/chat")
            {
                room = RoomFromQuery(request.Query) ?? string.Empty;
                return ChatEndpoint.IsValidRoomName(room) ? HandshakeError.None : HandshakeError.RejectedByApplication;
            }

            return path == "/echo" ? HandshakeError.None : HandshakeError.NotFound;
        };

        ServerHandshakeResult handshake = await HandshakeNegotiator.AcceptAsync(context.Transport.Input, context.Transport.Output, handshakeOptions, context.RemoteEndPoint, _stopping);
        return (handshake, path, room);
    }

    /// <summary>The paths that speak only WebSocket: a plain request there gets 426, not 404.</summary>
    private static bool IsWebSocketPath(string path) => path is "/chat" or "/echo";

    private static WebSocketConnectionOptions WithTimers(WebSocketConnectionOptions options, ServerTimers timers)
    {
        options.KeepAliveInterval = timers.KeepAliveInterval;
        options.KeepAliveTimeout = timers.KeepAliveTimeout;
        options.CloseTimeout = timers.Close;
        options.FrameTimeout = timers.Frame;
        return options;
    }

    /// <summary>The <c>room</c> query parameter (percent-decoded), "lobby" when absent, <see langword="null"/> when malformed.</summary>
    private static string? RoomFromQuery(ReadOnlySpan<byte> query)
    {
        string text = System.Text.Encoding.ASCII.GetString(query).TrimStart('?');
        foreach (string pair in text.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && pair.AsSpan(0, equals).SequenceEqual("room"))
            {
                try
                {
                    return Uri.UnescapeDataString(pair.Substring(equals + 1));
                }
                catch (UriFormatException)
                {
                    return null;
                }
            }
        }

        return "lobby";
    }
}
