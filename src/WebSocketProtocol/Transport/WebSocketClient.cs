using System;
using System.IO;
using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Handshake;

namespace WebSocketProtocol.Transport;

/// <summary>
/// The smallest way to open a client connection: TCP (and TLS for <c>wss://</c>) to a URI, the handshake, and pipes back.
/// </summary>
public static class WebSocketClient
{
    /// <summary>
    /// Connects to <paramref name="uri"/>'s host and port (with TLS and the platform's certificate validation for
    /// <c>wss://</c>), runs the client handshake, and returns the pipes.
    /// </summary>
    /// <param name="uri">A <c>ws://</c> or <c>wss://</c> URI.</param>
    /// <param name="options">What to offer; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Abandons the connect and handshake.</param>
    /// <exception cref="WebSocketHandshakeException">The server refused or answered something invalid.</exception>
    /// <exception cref="SocketException">The TCP connection failed.</exception>
    /// <exception cref="System.Security.Authentication.AuthenticationException">TLS failed, for instance on an untrusted certificate.</exception>
    public static Task<WebSocketClientConnection> ConnectAsync(Uri uri, WebSocketClientOptions? options, CancellationToken cancellationToken) =>
        ConnectAsync(uri, options, null, cancellationToken);

    /// <summary>As <see cref="ConnectAsync(Uri, WebSocketClientOptions?, CancellationToken)"/>, with transport settings such as TLS validation.</summary>
    /// <param name="uri">A <c>ws://</c> or <c>wss://</c> URI.</param>
    /// <param name="options">What to offer; <see langword="null"/> for the defaults.</param>
    /// <param name="transport">How to connect; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Abandons the connect, TLS and handshake.</param>
    /// <exception cref="WebSocketHandshakeException">The server refused or answered something invalid.</exception>
    /// <exception cref="SocketException">The TCP connection failed.</exception>
    /// <exception cref="System.Security.Authentication.AuthenticationException">TLS failed, for instance on an untrusted certificate.</exception>
    public static async Task<WebSocketClientConnection> ConnectAsync(Uri uri, WebSocketClientOptions? options = null, WebSocketTransportOptions? transport = null, CancellationToken cancellationToken = default)
    {
        if (uri is null)
        {
            throw new ArgumentNullException(nameof(uri));
        }

        if (!uri.IsAbsoluteUri || (uri.Scheme != "ws" && uri.Scheme != "wss"))
        {
            throw new ArgumentException("A WebSocket URI is absolute with the ws or wss scheme (RFC 6455 section 3).", nameof(uri));
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream? stream = null;
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
            if (uri.Scheme == "wss")
            {
                stream = await AuthenticateAsync(stream, uri, transport ?? new WebSocketTransportOptions(), cancellationToken).ConfigureAwait(false);
            }

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

    /// <summary>TLS over <paramref name="inner"/> for <paramref name="uri"/>'s host (RFC 6455 section 3: wss is WebSocket over TLS).</summary>
    private static async Task<Stream> AuthenticateAsync(Stream inner, Uri uri, WebSocketTransportOptions transport, CancellationToken cancellationToken)
    {
        var tls = new SslStream(inner, leaveInnerStreamOpen: false, transport.ServerCertificateValidation);
        try
        {
#if NET5_0_OR_GREATER
            await tls.AuthenticateAsClientAsync(
                new SslClientAuthenticationOptions
                {
                    TargetHost = uri.IdnHost,
                    ClientCertificates = transport.ClientCertificates,
                    EnabledSslProtocols = transport.EnabledSslProtocols,
                    RemoteCertificateValidationCallback = transport.ServerCertificateValidation,
                },
                cancellationToken).ConfigureAwait(false);
#else
            using (cancellationToken.Register(static s => ((Stream)s!).Dispose(), tls))
            {
                await tls.AuthenticateAsClientAsync(uri.IdnHost, transport.ClientCertificates, transport.EnabledSslProtocols, checkCertificateRevocation: false).ConfigureAwait(false);
            }
#endif
            return tls;
        }
        catch
        {
            tls.Dispose();
            throw;
        }
    }
}
