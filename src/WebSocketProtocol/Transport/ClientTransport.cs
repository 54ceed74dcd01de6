using System;
using System.IO;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Handshake;

namespace WebSocketProtocol.Transport;

/// <summary>
/// Opens the byte stream under a client connection: TCP to the URI's host and port, then TLS for <c>wss://</c> (RFC 6455
/// section 3), within <see cref="WebSocketClientOptions.ConnectTimeout"/>. Each failure comes out as a
/// <see cref="WebSocketConnectException"/> that names it; the caller's own cancellation stays an <see cref="OperationCanceledException"/>.
/// </summary>
internal static class ClientTransport
{
    /// <summary>The connected stream; disposing it closes the socket (and TLS) under it.</summary>
    public static async Task<Stream> OpenAsync(Uri uri, WebSocketClientOptions options, CancellationToken cancellationToken)
    {
        using CancellationTokenSource? deadline = HandshakeNegotiator.CreateTimeout(options.ConnectTimeout, cancellationToken);
        CancellationToken token = deadline?.Token ?? cancellationToken;
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream? stream = null;
        ServerCertificateCheck? certificateCheck = null;
        try
        {
            if (IsInvalidName(uri))
            {
                // RFC 6761 section 6.4: a name under .invalid never resolves, so it is refused here rather than asked of a
                // DNS server (the operating system's resolver would send the query).
                throw new SocketException((int)SocketError.HostNotFound);
            }

            await ConnectSocketAsync(socket, uri, token).ConfigureAwait(false);

            // The stream owns the socket, and a TLS stream its inner stream: disposing the outermost closes everything.
            stream = new NetworkStream(socket, ownsSocket: true);
            if (uri.Scheme == "wss")
            {
                certificateCheck = new ServerCertificateCheck(options.ServerCertificateValidation);
                stream = await AuthenticateAsync(stream, uri, options, certificateCheck, token).ConfigureAwait(false);
            }

            return stream;
        }
        catch (Exception exception)
        {
            stream?.Dispose();
            socket.Dispose();
            cancellationToken.ThrowIfCancellationRequested();
            if (deadline is not null && deadline.IsCancellationRequested)
            {
                throw new WebSocketConnectException(
                    WebSocketConnectError.Timeout, $"Connecting to {uri.Authority} took longer than the connect timeout ({options.ConnectTimeout}).", innerException: exception);
            }

            WebSocketConnectException? failure = Describe(exception, uri, certificateCheck);
            if (failure is null)
            {
                throw;
            }

            throw failure;
        }
    }

    /// <summary>The typed failure for what the platform threw, or <see langword="null"/> for an exception that is not a connect failure.</summary>
    private static WebSocketConnectException? Describe(Exception exception, Uri uri, ServerCertificateCheck? certificateCheck)
    {
        if (certificateCheck is not null && exception is AuthenticationException or IOException)
        {
            return certificateCheck.Rejected
                ? new WebSocketConnectException(WebSocketConnectError.TlsCertificateRejected, $"The certificate of {uri.Host} was rejected ({certificateCheck.Errors}).", innerException: exception)
                : new WebSocketConnectException(WebSocketConnectError.TlsHandshakeFailed, $"The TLS handshake with {uri.Authority} failed.", innerException: exception);
        }

        if (exception is not SocketException socketException)
        {
            return null;
        }

        (WebSocketConnectError error, string message) = socketException.SocketErrorCode switch
        {
            SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain or SocketError.NoRecovery =>
                (WebSocketConnectError.NameResolutionFailed, $"The host name {uri.Host} did not resolve to an address."),
            SocketError.ConnectionRefused => (WebSocketConnectError.ConnectionRefused, $"{uri.Authority} refused the connection: nothing listens on that port."),
            SocketError.TimedOut => (WebSocketConnectError.Timeout, $"The TCP connection to {uri.Authority} timed out."),
            _ => (WebSocketConnectError.ConnectionFailed, $"The TCP connection to {uri.Authority} failed ({socketException.SocketErrorCode})."),
        };
        return new WebSocketConnectException(error, message, innerException: exception);
    }

    private static bool IsInvalidName(Uri uri)
    {
        if (uri.HostNameType != UriHostNameType.Dns)
        {
            return false;
        }

        string host = uri.DnsSafeHost.TrimEnd('.');
        return host.Equals("invalid", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".invalid", StringComparison.OrdinalIgnoreCase);
    }

    private static async Task ConnectSocketAsync(Socket socket, Uri uri, CancellationToken cancellationToken)
    {
#if NET5_0_OR_GREATER
        await socket.ConnectAsync(uri.DnsSafeHost, uri.Port, cancellationToken).ConfigureAwait(false);
#else
        // No cancellable connect here: disposing the socket ends the attempt, and the caller sees its token cancelled.
        using (cancellationToken.Register(static s => ((Socket)s!).Dispose(), socket))
        {
            await socket.ConnectAsync(uri.DnsSafeHost, uri.Port).ConfigureAwait(false);
        }
#endif
    }

    /// <summary>TLS over <paramref name="inner"/> for <paramref name="uri"/>'s host (RFC 6455 section 3: wss is WebSocket over TLS).</summary>
    private static async Task<Stream> AuthenticateAsync(Stream inner, Uri uri, WebSocketClientOptions options, ServerCertificateCheck certificateCheck, CancellationToken cancellationToken)
    {
        // An IPv6 literal is matched against the certificate without its brackets.
        string targetHost = uri.HostNameType == UriHostNameType.IPv6 ? uri.DnsSafeHost : uri.IdnHost;
#if NET5_0_OR_GREATER
        var tls = new SslStream(inner, leaveInnerStreamOpen: false);
#else
        var tls = new SslStream(inner, leaveInnerStreamOpen: false, certificateCheck.Validate);
#endif
        try
        {
#if NET5_0_OR_GREATER
            await tls.AuthenticateAsClientAsync(
                new SslClientAuthenticationOptions
                {
                    TargetHost = targetHost,
                    ClientCertificates = options.ClientCertificates,
                    EnabledSslProtocols = options.EnabledSslProtocols,
                    RemoteCertificateValidationCallback = certificateCheck.Validate,
                },
                cancellationToken).ConfigureAwait(false);
#else
            using (cancellationToken.Register(static s => ((Stream)s!).Dispose(), tls))
            {
                await tls.AuthenticateAsClientAsync(targetHost, options.ClientCertificates, options.EnabledSslProtocols, checkCertificateRevocation: false).ConfigureAwait(false);
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
