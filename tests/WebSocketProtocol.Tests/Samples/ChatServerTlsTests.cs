using System.Net.WebSockets;
using System;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Connection;
using WebSocketProtocol.Handshake;
using WebSocketProtocol.Transport;
using Xunit;

namespace WebSocketProtocol.Tests.Samples;

/// <summary>
/// The sample server over TLS (<c>--cert</c> with a PKCS#12 file), and the library's client role over <c>wss://</c>:
/// a self-signed certificate made by the test, trusted by the clients only by pinning it; without the pin the platform's
/// validation refuses it.
/// </summary>
[Collection(SampleCollection.Name)]
public sealed class ChatServerTlsTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("chat-tls-");
    private readonly X509Certificate2 _certificate;
    private readonly string _pfx;

    public ChatServerTlsTests()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, critical: false));
        DateTimeOffset now = DateTimeOffset.UtcNow;
        using X509Certificate2 created = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
        _pfx = Path.Combine(_folder.FullName, "server.pfx");
        File.WriteAllBytes(_pfx, created.Export(X509ContentType.Pfx, "test-password"));
        _certificate = X509CertificateLoader.LoadCertificate(created.RawData);
    }

    /// <summary>Trusts exactly the test's certificate, whatever the platform thinks of its issuer.</summary>
    private bool IsPinned(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors) =>
        certificate is not null && certificate.GetRawCertData().AsSpan().SequenceEqual(_certificate.RawData)
        && (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == SslPolicyErrors.None;

    private WebSocketClientOptions Pinned() => new() { ServerCertificateValidation = IsPinned };

    private Task<ChatServerProcess> StartSecureAsync() =>
        ChatServerProcess.StartAsync("--cert", _pfx, "--cert-password", "test-password");

    [Fact]
    public async Task Members_chat_over_wss_and_the_echo_answers_over_wss_with_the_certificate_pinned()
    {
        await using ChatServerProcess server = await StartSecureAsync();
        Assert.True(server.IsSecure);
        Uri room = server.ChatUri("secure");
        Assert.Equal("wss", room.Scheme);

        var (alice, _, _) = await ChatTestClient.JoinAsync(room, "alice", IsPinned);
        using (alice)
        {
            var (bob, _, _) = await ChatTestClient.JoinAsync(room, "bob", IsPinned);
            using (bob)
            {
                await alice.ExpectAsync("presence");
                await bob.SayAsync("over TLS");
                JsonElement heard = await alice.ExpectAsync("message");
                Assert.Equal(("bob", "over TLS"), (heard.GetProperty("from").GetString(), heard.GetProperty("text").GetString()));
            }
        }

        using var timeout = new CancellationTokenSource(Bound);
        using WebSocketConnection echo = await WebSocketClient.ConnectAsync(server.EchoUri(), Pinned(), timeout.Token);
        byte[] binary = Enumerable.Range(0, 100_000).Select(i => (byte)(i * 7)).ToArray();
        await echo.SendTextAsync("héllo", timeout.Token);
        WebSocketMessage text = await echo.ReceiveMessageAsync(timeout.Token);
        Assert.Equal("héllo", Encoding.UTF8.GetString(text.Data.Span));
        await echo.SendAsync(binary, WebSocketMessageType.Binary, timeout.Token);
        WebSocketMessage back = await echo.ReceiveMessageAsync(timeout.Token);
        Assert.Equal(binary, back.Data.ToArray());
        await echo.CloseAsync(CloseStatus.NormalClosure, "done", timeout.Token);
        Assert.Equal(WebSocketState.Closed, echo.State);
    }

    [Fact]
    public async Task Without_a_pin_the_client_refuses_the_self_signed_certificate_and_the_server_still_serves_the_next_client()
    {
        await using ChatServerProcess server = await StartSecureAsync();
        using var timeout = new CancellationTokenSource(Bound);

        // Certificate validation is on by default: a certificate no trusted root issued is refused before any upgrade.
        WebSocketConnectException rejected = await Assert.ThrowsAsync<WebSocketConnectException>(() => WebSocketClient.ConnectAsync(server.EchoUri(), null, timeout.Token));
        Assert.Equal(WebSocketConnectError.TlsCertificateRejected, rejected.Error);
        Assert.IsType<AuthenticationException>(rejected.InnerException);

        using WebSocketConnection echo = await WebSocketClient.ConnectAsync(server.EchoUri(), Pinned(), timeout.Token);
        await echo.SendTextAsync("still here", timeout.Token);
        Assert.Equal("still here", Encoding.UTF8.GetString((await echo.ReceiveMessageAsync(timeout.Token)).Data.Span));
    }

    [Fact]
    public async Task The_page_is_served_over_https_and_plain_ws_is_not_spoken_on_the_tls_port()
    {
        await using ChatServerProcess server = await StartSecureAsync();
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate is not null && certificate.RawData.AsSpan().SequenceEqual(_certificate.RawData) };
        using var http = new HttpClient(handler) { Timeout = Bound };

        string page = await http.GetStringAsync(new Uri(server.Origin + "/"));
        Assert.Contains("<html", page, StringComparison.OrdinalIgnoreCase);

        // A plaintext upgrade to the TLS port gets no WebSocket: the handshake fails instead of talking in the clear.
        using var timeout = new CancellationTokenSource(Bound);
        var plain = new UriBuilder(server.EchoUri()) { Scheme = "ws" }.Uri;
        WebSocketConnectException refused = await Assert.ThrowsAsync<WebSocketConnectException>(() => WebSocketClient.ConnectAsync(plain, null, timeout.Token));
        Assert.True(refused.Error is WebSocketConnectError.ConnectionClosed or WebSocketConnectError.MalformedResponse, refused.ToString());
    }

    public void Dispose()
    {
        _certificate.Dispose();
        _folder.Delete(recursive: true);
    }
}
