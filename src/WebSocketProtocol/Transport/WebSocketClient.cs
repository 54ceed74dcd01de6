using System;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Handshake;

namespace WebSocketProtocol.Transport;

/// <summary>The smallest way to open a client connection: TCP to a <c>ws://</c> URI, the handshake, and pipes back.</summary>
public static class WebSocketClient
{
    /// <summary>Connects a TCP socket to <paramref name="uri"/>'s host and port, runs the client handshake over it, and returns the pipes.</summary>
    /// <param name="uri">A <c>ws://</c> URI (TLS for <c>wss://</c> is not supported yet).</param>
    /// <param name="options">What to offer; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Abandons the connect and handshake.</param>
    /// <exception cref="WebSocketHandshakeException">The server refused or answered something invalid.</exception>
    /// <exception cref="SocketException">The TCP connection failed.</exception>
    public static async Task<WebSocketClientConnection> ConnectAsync(Uri uri, WebSocketClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (uri is null)
        {
            throw new ArgumentNullException(nameof(uri));
        }

        if (uri.Scheme != "ws")
        {
            throw new NotSupportedException("Only ws:// URIs are supported; TLS (wss://) comes later.");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        NetworkStream? stream = null;
        try
        {
#if NET5_0_OR_GREATER
            await socket.ConnectAsync(uri.DnsSafeHost, uri.Port, cancellationToken).ConfigureAwait(false);
#else
            using (cancellationToken.Register(static s => ((Socket)s!).Dispose(), socket))
            {
                await socket.ConnectAsync(uri.DnsSafeHost, uri.Port).ConfigureAwait(false);
            }
#endif
            // The stream owns the socket: when the connection completes its pipes at the end of the closing handshake,
            // the socket closes too, as RFC 6455 section 7.1.1 expects of a client after the server's close.
            stream = new NetworkStream(socket, ownsSocket: true);
            PipeReader input = PipeReader.Create(stream);
            PipeWriter output = PipeWriter.Create(stream);
            ClientHandshakeResult handshake = await HandshakeNegotiator.ConnectAsync(input, output, uri, options, cancellationToken).ConfigureAwait(false);
            return new WebSocketClientConnection(socket, stream, input, output, handshake);
        }
        catch
        {
            stream?.Dispose();
            socket.Dispose();
            throw;
        }
    }
}
