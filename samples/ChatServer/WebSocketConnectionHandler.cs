using System;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Hosting;
using WebSocketProtocol.Connection;
using WebSocketProtocol.Extensions.Deflate;
using WebSocketProtocol.Handshake;

namespace ChatServer;

/// <summary>
/// Takes raw connections from Kestrel's socket transport and does everything WebSocket with the library: the handshake,
/// then a <see cref="WebSocketConnection"/> per client. Plain HTTP requests get a small page or 404.
/// </summary>
internal sealed class WebSocketConnectionHandler : ConnectionHandler
{
    private static readonly PerMessageDeflateServerFactory DeflateFactory = new();

    private readonly ServerArguments _arguments;
    private readonly CancellationToken _stopping;

    public WebSocketConnectionHandler(ServerArguments arguments, IHostApplicationLifetime lifetime)
    {
        _arguments = arguments;
        _stopping = lifetime.ApplicationStopping;
    }

    public override async Task OnConnectedAsync(ConnectionContext context)
    {
        var handshakeOptions = new WebSocketServerOptions { OriginPolicy = OriginPolicy.Any };

        // Browsers offer permessage-deflate; agreeing costs memory only while messages are compressed.
        handshakeOptions.Extensions.Add(DeflateFactory);
        string? path = null;
        handshakeOptions.RequestFilter = request =>
        {
            path = request.Path.SequenceEqual("/echo"u8) ? "/echo" : null;
            return path is not null;
        };

        ServerHandshakeResult handshake = await HandshakeNegotiator.AcceptAsync(context.Transport.Input, context.Transport.Output, handshakeOptions, _stopping);
        if (handshake.Outcome == HandshakeOutcome.NotWebSocket)
        {
            await AnswerPlainRequestAsync(context, handshake.Request!);
            return;
        }

        if (handshake.Outcome != HandshakeOutcome.Accepted)
        {
            return;
        }

        var options = WebSocketConnectionOptions.ForServer();
        options.MaxMessageSize = _arguments.MaxMessageSize;
        using var connection = new WebSocketConnection(context.Transport.Input, context.Transport.Output, options, handshake.Subprotocol, handshake.Extensions);
        await EchoEndpoint.RunAsync(connection, _stopping);
    }

    private static async Task AnswerPlainRequestAsync(ConnectionContext context, HttpRequestInfo request)
    {
        bool found = request.Method == "GET" && request.Path == "/";
        string body = found
            ? "WebSocketProtocol sample server: the echo endpoint is ws://HOST:PORT/echo\n"
            : "Not found\n";
        string head = $"HTTP/1.1 {(found ? "200 OK" : "404 Not Found")}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\nConnection: close\r\n\r\n";
        await context.Transport.Output.WriteAsync(Encoding.UTF8.GetBytes(head + body));
        await context.Transport.Output.CompleteAsync();
    }
}
