using System;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace WebSocketProtocol.Tests.Transport;

/// <summary>A self-signed server certificate for <c>localhost</c> and 127.0.0.1, made by the test: no root the platform trusts issued it.</summary>
internal static class TestCertificate
{
    /// <summary>A new certificate with its private key, valid from five minutes ago for a day.</summary>
    public static X509Certificate2 Create()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, critical: false));
        DateTimeOffset now = DateTimeOffset.UtcNow;
        using X509Certificate2 created = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        // Through PKCS#12, so the key is one the TLS stack can use on every platform (an ephemeral key is not, on Windows).
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx, "test"), "test");
    }
}
