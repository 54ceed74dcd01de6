using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace WebSocketProtocol.Transport;

/// <summary>
/// The TLS certificate decision for one <c>wss://</c> connection: the application's callback, or the platform's rule when
/// there is none, remembered so that a failed TLS handshake can say whether the certificate was the reason (the platform
/// reports both as the same exception type).
/// </summary>
internal sealed class ServerCertificateCheck
{
    private readonly RemoteCertificateValidationCallback? _application;

    public ServerCertificateCheck(RemoteCertificateValidationCallback? application) => _application = application;

    /// <summary>Whether the certificate was looked at and refused.</summary>
    public bool Rejected { get; private set; }

    /// <summary>What the platform found wrong with the certificate the last time it was checked.</summary>
    public SslPolicyErrors Errors { get; private set; }

    /// <summary>The callback given to the TLS stream.</summary>
    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        // Without a callback the platform trusts exactly what it found nothing wrong with: a trusted chain, in date, for the host.
        bool trusted = _application is null ? errors == SslPolicyErrors.None : _application(sender, certificate, chain, errors);
        Errors = errors;
        Rejected = !trusted;
        return trusted;
    }
}
