using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Handshake;
using WebSocketProtocol.Tests.Interop;
using WebSocketProtocol.Transport;
using Xunit;

namespace WebSocketProtocol.Tests.Transport;

/// <summary>
/// Every way <see cref="WebSocketClient.ConnectAsync"/> fails, each produced for real on loopback, comes out as one
/// <see cref="WebSocketConnectException"/> with its <see cref="WebSocketConnectError"/>, the HTTP status when there was one,
/// and the platform's exception inside.
/// </summary>
[Collection(InteropCollection.Name)]
public sealed class WebSocketClientFailureTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private static async Task<WebSocketConnectException> ConnectFailsAsync(Uri uri, WebSocketClientOptions? options = null)
    {
        using var timeout = new CancellationTokenSource(Bound);
        return await Assert.ThrowsAsync<WebSocketConnectException>(() => WebSocketClient.ConnectAsync(uri, options, timeout.Token).WaitAsync(Bound));
    }

    /// <summary>A server that reads the request head and answers with what <paramref name="respond"/> makes of it.</summary>
    private static LoopbackWebSocketServer StartAnswering(Func<string, string> respond) =>
        LoopbackWebSocketServer.Start(async (transport, cancellationToken) =>
        {
            string head = await ReadHeadAsync(transport.Input, cancellationToken);
            await transport.Output.WriteAsync(Encoding.ASCII.GetBytes(respond(head)), cancellationToken);
        });

    private static async Task<string> ReadHeadAsync(PipeReader input, CancellationToken cancellationToken)
    {
        while (true)
        {
            ReadResult read = await input.ReadAsync(cancellationToken);
            string text = Encoding.ASCII.GetString(read.Buffer.ToArray());
            int end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0 || read.IsCompleted)
            {
                input.AdvanceTo(read.Buffer.End);
                return text;
            }

            input.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
    }

    /// <summary>The Sec-WebSocket-Accept value for the key in <paramref name="requestHead"/> (RFC 6455 section 4.2.2).</summary>
    private static string AcceptFor(string requestHead)
    {
        const string field = "Sec-WebSocket-Key: ";
        int start = requestHead.IndexOf(field, StringComparison.OrdinalIgnoreCase) + field.Length;
        string key = requestHead.Substring(start, requestHead.IndexOf("\r\n", start, StringComparison.Ordinal) - start);
        byte[] accept = new byte[WebSocketAccept.AcceptLength];
        WebSocketAccept.ComputeAccept(Encoding.ASCII.GetBytes(key), accept);
        return Encoding.ASCII.GetString(accept);
    }

    /// <summary>A server that takes the connection and says nothing until it is disposed.</summary>
    private static LoopbackWebSocketServer StartSilent() =>
        LoopbackWebSocketServer.Start((_, cancellationToken) => Task.Delay(Timeout.Infinite, cancellationToken));

    [Fact]
    public async Task A_port_nobody_listens_on_fails_with_ConnectionRefused()
    {
        // A port the OS just gave out and took back: nothing listens there now.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        WebSocketConnectException failure = await ConnectFailsAsync(new Uri($"ws://127.0.0.1:{port}/"));

        Assert.Equal(WebSocketConnectError.ConnectionRefused, failure.Error);
        Assert.Null(failure.StatusCode);
        Assert.Equal(SocketError.ConnectionRefused, Assert.IsType<SocketException>(failure.InnerException).SocketErrorCode);
    }

    [Theory]
    [InlineData("ws://no-such-host.invalid/")]
    [InlineData("wss://a.b.INVALID./chat")]
    [InlineData("ws://invalid:8080/")]
    public async Task A_name_under_the_reserved_invalid_TLD_fails_with_NameResolutionFailed_without_a_DNS_query(string uri)
    {
        // RFC 6761 section 6.4: the client refuses these names itself, so no query leaves the machine.
        WebSocketConnectException failure = await ConnectFailsAsync(new Uri(uri));

        Assert.Equal(WebSocketConnectError.NameResolutionFailed, failure.Error);
        Assert.Null(failure.StatusCode);
        Assert.Equal(SocketError.HostNotFound, Assert.IsType<SocketException>(failure.InnerException).SocketErrorCode);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_self_signed_certificate_is_refused_with_TlsCertificateRejected_by_the_platform_or_by_the_applications_callback(bool callback)
    {
        using X509Certificate2 certificate = TestCertificate.Create();
        await using TlsLoopbackServer server = TlsLoopbackServer.Start(certificate, (_, _, _) => Task.CompletedTask);
        var options = new WebSocketClientOptions();
        if (callback)
        {
            // Pinned to some other certificate.
            options.ServerCertificateValidation = (_, presented, _, _) => presented is not null && presented.GetCertHashString() == new string('0', 40);
        }

        WebSocketConnectException failure = await ConnectFailsAsync(server.GetUri("/"), options);

        Assert.Equal(WebSocketConnectError.TlsCertificateRejected, failure.Error);
        Assert.Null(failure.StatusCode);
        Assert.IsType<AuthenticationException>(failure.InnerException);
    }

    [Fact]
    public async Task A_wss_URI_to_a_server_that_does_not_speak_TLS_fails_with_TlsHandshakeFailed()
    {
        // Plain HTTP at once, where the client expects a TLS ServerHello.
        await using LoopbackWebSocketServer server = LoopbackWebSocketServer.Start(async (transport, cancellationToken) =>
            await transport.Output.WriteAsync("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"u8.ToArray(), cancellationToken));
        var uri = new UriBuilder(server.GetUri("/")) { Scheme = "wss" }.Uri;

        WebSocketConnectException failure = await ConnectFailsAsync(uri);

        Assert.Equal(WebSocketConnectError.TlsHandshakeFailed, failure.Error);
        Assert.Null(failure.StatusCode);
        Assert.NotNull(failure.InnerException);
    }

    [Theory]
    [InlineData(403, "Forbidden", "")]
    [InlineData(404, "Not Found", "")]
    [InlineData(426, "Upgrade Required", "Sec-WebSocket-Version: 13\r\n")]
    public async Task A_server_refusing_the_upgrade_gives_HandshakeRefused_with_its_status_and_headers(int status, string reason, string extraHeader)
    {
        await using LoopbackWebSocketServer server = StartAnswering(_ => $"HTTP/1.1 {status} {reason}\r\n{extraHeader}X-Why: test\r\nContent-Length: 0\r\n\r\n");

        WebSocketConnectException failure = await ConnectFailsAsync(server.GetUri("/"));

        Assert.Equal((WebSocketConnectError.HandshakeRefused, status), (failure.Error, failure.StatusCode));
        Assert.Contains(new KeyValuePair<string, string>("X-Why", "test"), failure.Headers);
        if (status == 426)
        {
            Assert.Contains(new KeyValuePair<string, string>("Sec-WebSocket-Version", "13"), failure.Headers);
        }
    }

    [Fact]
    public async Task This_librarys_server_refusing_the_request_gives_HandshakeRefused_with_403()
    {
        var options = new WebSocketServerOptions { RequestFilter = _ => false };
        await using LoopbackWebSocketServer server = LoopbackWebSocketServer.Start(async (transport, cancellationToken) =>
            Assert.Equal(HandshakeOutcome.Rejected, (await HandshakeNegotiator.AcceptAsync(transport.Input, transport.Output, options, cancellationToken)).Outcome));

        WebSocketConnectException failure = await ConnectFailsAsync(server.GetUri("/"));

        Assert.Equal((WebSocketConnectError.HandshakeRefused, 403), (failure.Error, failure.StatusCode));
    }

    public static IEnumerable<object[]> BrokenAcceptances()
    {
        const string Upgrade = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n";
        yield return new object[] { "a wrong accept key", WebSocketConnectError.InvalidAccept, Upgrade + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n" };
        yield return new object[] { "no Upgrade header", WebSocketConnectError.MissingUpgrade, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n" };
        yield return new object[] { "a subprotocol not offered", WebSocketConnectError.InvalidSubProtocol, Upgrade + "Sec-WebSocket-Accept: {accept}\r\nSec-WebSocket-Protocol: chat\r\n\r\n" };
        yield return new object[] { "an extension not offered", WebSocketConnectError.InvalidExtensions, Upgrade + "Sec-WebSocket-Accept: {accept}\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n" };
    }

    [Theory]
    [MemberData(nameof(BrokenAcceptances))]
    public async Task A_101_that_breaks_RFC_6455_section_4_1_fails_with_the_rule_it_breaks_and_status_101(string what, WebSocketConnectError error, string response)
    {
        await using LoopbackWebSocketServer server = StartAnswering(request => response.Replace("{accept}", AcceptFor(request), StringComparison.Ordinal));

        WebSocketConnectException failure = await ConnectFailsAsync(server.GetUri("/"));

        Assert.True(error == failure.Error, $"{what}: {failure.Error}, {failure.Message}");
        Assert.Equal(101, failure.StatusCode);
    }

    [Fact]
    public async Task A_server_that_closes_halfway_through_its_response_fails_with_ConnectionClosed()
    {
        await using LoopbackWebSocketServer server = StartAnswering(_ => "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n");

        WebSocketConnectException failure = await ConnectFailsAsync(server.GetUri("/"));

        Assert.Equal(WebSocketConnectError.ConnectionClosed, failure.Error);
        Assert.Null(failure.StatusCode);
    }

    [Fact]
    public async Task A_server_that_never_answers_the_upgrade_fails_with_Timeout_at_the_handshake_timeout()
    {
        await using LoopbackWebSocketServer server = StartSilent();

        WebSocketConnectException failure = await ConnectFailsAsync(server.GetUri("/"), new WebSocketClientOptions { HandshakeTimeout = TimeSpan.FromMilliseconds(300) });

        Assert.Equal(WebSocketConnectError.Timeout, failure.Error);
        Assert.Null(failure.StatusCode);
    }

    [Fact]
    public async Task A_server_that_never_answers_the_TLS_handshake_fails_with_Timeout_at_the_connect_timeout()
    {
        await using LoopbackWebSocketServer server = StartSilent();
        var uri = new UriBuilder(server.GetUri("/")) { Scheme = "wss" }.Uri;

        WebSocketConnectException failure = await ConnectFailsAsync(uri, new WebSocketClientOptions { ConnectTimeout = TimeSpan.FromMilliseconds(300) });

        Assert.Equal(WebSocketConnectError.Timeout, failure.Error);
        Assert.Null(failure.StatusCode);
    }

    [Fact]
    public async Task A_listener_whose_accept_queue_is_full_fails_the_TCP_connect_with_Timeout_at_the_connect_timeout()
    {
        // A backlog of 0 holds one connection nobody accepts; Linux then drops further SYNs, so a connect hangs.
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(0);
        var endpoint = (IPEndPoint)listener.LocalEndPoint!;
        var fillers = new List<Socket>();
        try
        {
            for (int i = 0; i < 2; i++)
            {
                var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                fillers.Add(filler);
                _ = filler.ConnectAsync(endpoint).ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
            }

            WebSocketConnectException failure = await ConnectFailsAsync(
                new Uri($"ws://127.0.0.1:{endpoint.Port}/"), new WebSocketClientOptions { ConnectTimeout = TimeSpan.FromSeconds(1) });

            Assert.Equal(WebSocketConnectError.Timeout, failure.Error);
            Assert.Null(failure.StatusCode);
        }
        finally
        {
            foreach (Socket filler in fillers)
            {
                filler.Dispose();
            }
        }
    }

    [Fact]
    public async Task Cancelling_the_callers_token_gives_OperationCanceledException_not_a_connect_error()
    {
        await using LoopbackWebSocketServer server = StartSilent();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        Exception failure = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => WebSocketClient.ConnectAsync(server.GetUri("/"), null, cancel.Token).WaitAsync(Bound));

        Assert.IsNotType<WebSocketConnectException>(failure);
    }
}
