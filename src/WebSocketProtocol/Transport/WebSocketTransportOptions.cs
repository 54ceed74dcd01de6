using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace WebSocketProtocol.Transport;

/// <summary>How <see cref="WebSocketClient"/> opens its connection: TLS settings for <c>wss://</c>.</summary>
public sealed class WebSocketTransportOptions
{
    /// <summary>
    /// Decides whether the server's certificate is trusted for a <c>wss://</c> URI. <see langword="null"/> (the default)
    /// keeps the platform's validation: a trusted chain, in date, issued for the URI's host. Set it only to pin a known
    /// certificate, never to accept any.
    /// </summary>
    public RemoteCertificateValidationCallback? ServerCertificateValidation { get; set; }

    /// <summary>Certificates to offer when the server asks for one; none by default.</summary>
    public X509CertificateCollection? ClientCertificates { get; set; }

    /// <summary>The TLS versions allowed; <see cref="SslProtocols.None"/> (the default) lets the operating system choose.</summary>
    public SslProtocols EnabledSslProtocols { get; set; } = SslProtocols.None;
}
