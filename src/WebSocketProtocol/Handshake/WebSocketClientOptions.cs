using System;
using System.Collections.Generic;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using WebSocketProtocol.Connection;
using WebSocketProtocol.Extensions;

namespace WebSocketProtocol.Handshake;

/// <summary>
/// Everything a client sets: what the opening handshake offers and accepts back (read by <see cref="ClientHandshake"/> and
/// <see cref="HandshakeNegotiator.ConnectAsync"/> too), and how <see cref="Transport.WebSocketClient.ConnectAsync"/> reaches
/// the server (timeouts, TLS) and sets up the connection (<see cref="WebSocketClientOptions.Connection"/>).
/// </summary>
public sealed class WebSocketClientOptions
{
    private readonly List<string> _subprotocols = new();
    private readonly List<KeyValuePair<string, string>> _headers = new();
    private readonly List<IWebSocketClientExtensionFactory> _extensions = new();
    private WebSocketConnectionOptions _connection = WebSocketConnectionOptions.ForClient();

    /// <summary>SubProtocols to offer, in order of preference; the server may pick one of them and nothing else.</summary>
    public IList<string> SubProtocols => _subprotocols;

    /// <summary>Extensions to offer, in order of preference; the server may agree to any of them and nothing else.</summary>
    public IList<IWebSocketClientExtensionFactory> Extensions => _extensions;

    /// <summary>The Origin header to send, as a browser would (<c>https://example.com</c>); none by default.</summary>
    public string? Origin { get; set; }

    /// <summary>Extra header fields for the request (for instance Authorization). Names must be tokens; values must not contain CR or LF.</summary>
    public IList<KeyValuePair<string, string>> Headers => _headers;

    /// <summary>
    /// How long the HTTP upgrade may take, from sending the request to the end of the server's response head. Default 10 s;
    /// <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> disables it.
    /// </summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long <see cref="Transport.WebSocketClient.ConnectAsync"/> may take to resolve the host, open the TCP connection
    /// and, for <c>wss://</c>, complete TLS, before the upgrade starts. Default 10 s;
    /// <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> disables it.
    /// </summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest response head accepted. Default 32 KiB.</summary>
    public int MaxResponseHeadLength { get; set; } = WebSocketServerOptions.DefaultMaxHeadLength;

    /// <summary>The most response header fields accepted. Default 100.</summary>
    public int MaxResponseHeaderCount { get; set; } = WebSocketServerOptions.DefaultMaxHeaderCount;

    /// <summary>
    /// Decides whether the server's certificate is trusted for a <c>wss://</c> URI. <see langword="null"/> (the default)
    /// keeps the platform's validation: a trusted chain, in date, issued for the URI's host. Set it only to pin a known
    /// certificate, never to accept any.
    /// </summary>
    public RemoteCertificateValidationCallback? ServerCertificateValidation { get; set; }

    /// <summary>Certificates to offer when a <c>wss://</c> server asks for one; none by default.</summary>
    public X509CertificateCollection? ClientCertificates { get; set; }

    /// <summary>The TLS versions allowed for <c>wss://</c>; <see cref="SslProtocols.None"/> (the default) lets the operating system choose.</summary>
    public SslProtocols EnabledSslProtocols { get; set; } = SslProtocols.None;

    /// <summary>
    /// The limits and timers of the connection <see cref="Transport.WebSocketClient.ConnectAsync"/> returns; the client
    /// defaults (<see cref="WebSocketConnectionOptions.ForClient"/>) unless replaced. Must have the client role.
    /// </summary>
    /// <exception cref="ArgumentException">The options are for the server role.</exception>
    public WebSocketConnectionOptions Connection
    {
        get => _connection;
        set
        {
            if (value is null)
            {
                throw new ArgumentNullException(nameof(value));
            }

            // A client masks what it sends and refuses masked frames (RFC 6455 section 5.1): server options would do the opposite.
            if (value.Role != WebSocketRole.Client)
            {
                throw new ArgumentException("A client's connection options have the client role (WebSocketConnectionOptions.ForClient()).", nameof(value));
            }

            _connection = value;
        }
    }

    internal List<string> SubProtocolList => _subprotocols;

    internal List<KeyValuePair<string, string>> HeaderList => _headers;

    internal List<IWebSocketClientExtensionFactory> ExtensionList => _extensions;
}
