using System;
using System.Linq;
using System.Net;
using System.Net.Security;
using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Connection;
using WebSocketProtocol.Extensions.Deflate;
using WebSocketProtocol.Framing;
using WebSocketProtocol.Handshake;
using WebSocketProtocol.Tests.Interop;
using WebSocketProtocol.Transport;
using Xunit;

namespace WebSocketProtocol.Tests.Transport;

/// <summary>
/// <see cref="WebSocketClient.ConnectAsync"/> in one call against this library's server over real loopback sockets, plain
/// and over TLS: the connection it returns has the agreed subprotocol and extensions applied, and owns its socket.
/// </summary>
[Collection(InteropCollection.Name)]
public sealed class WebSocketClientTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    /// <summary>Well over the 32-byte compression threshold, and compressible: the server's echo goes out compressed.</summary>
    private static readonly string Compressible = string.Concat(Enumerable.Repeat("the same words again and again, ", 64));

    private static WebSocketClientOptions ChatWithDeflate()
    {
        var options = new WebSocketClientOptions();
        options.SubProtocols.Add("chat");
        options.Extensions.Add(new PerMessageDeflateClientFactory());
        return options;
    }

    private static async Task EchoCompressibleAndCloseAsync(WebSocketConnection connection, CancellationToken cancellationToken)
    {
        await connection.SendTextAsync(Compressible, cancellationToken);
        WebSocketMessage echo = await connection.ReceiveMessageAsync(cancellationToken);
        Assert.Equal(WebSocketMessageType.Text, echo.MessageType);
        Assert.Equal(Compressible, Encoding.UTF8.GetString(echo.Data.Span));
        await connection.CloseAsync(CloseStatus.NormalClosure, "done", cancellationToken);
        Assert.Equal(WebSocketState.Closed, connection.State);
        Assert.Equal(CloseStatus.NormalClosure, connection.PeerCloseStatus);
    }

    [Fact]
    public async Task ConnectAsync_applies_the_agreed_subprotocol_and_deflate_so_the_servers_compressed_reply_reads_back_intact()
    {
        var peer = new EchoPeer();
        await using LoopbackWebSocketServer server = LoopbackWebSocketServer.Start(peer.HandleAsync);
        using var timeout = new CancellationTokenSource(Bound);

        using (WebSocketConnection connection = await WebSocketClient.ConnectAsync(server.GetUri("/echo"), ChatWithDeflate(), timeout.Token))
        {
            Assert.Equal("chat", connection.SubProtocol);
            Assert.IsType<PerMessageDeflateExtension>(Assert.Single(connection.Extensions));
            await EchoCompressibleAndCloseAsync(connection, timeout.Token);
        }

        // The reply the client read was compressed (RSV1, RFC 7692 section 6): a connection without the extension fails on it.
        TappedFrame reply = Assert.Single(await peer.SentFrames.WaitAsync(Bound), frame => frame.Opcode == Opcode.Text);
        Assert.True(reply.Rsv1, reply.ToString());
    }

    [Fact]
    public async Task ConnectAsync_over_wss_with_the_certificate_pinned_echoes_a_compressed_reply()
    {
        using X509Certificate2 certificate = TestCertificate.Create();
        var peer = new EchoPeer();
        await using TlsLoopbackServer server = TlsLoopbackServer.Start(certificate, peer.HandleAsync);
        using var timeout = new CancellationTokenSource(Bound);
        WebSocketClientOptions options = ChatWithDeflate();
        options.ServerCertificateValidation = (_, presented, _, errors) =>
            presented is not null && presented.GetRawCertData().AsSpan().SequenceEqual(certificate.RawData)
            && (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == SslPolicyErrors.None;

        using (WebSocketConnection connection = await WebSocketClient.ConnectAsync(server.GetUri("/echo"), options, timeout.Token))
        {
            Assert.IsType<PerMessageDeflateExtension>(Assert.Single(connection.Extensions));
            await EchoCompressibleAndCloseAsync(connection, timeout.Token);
        }

        Assert.Contains(await peer.SentFrames.WaitAsync(Bound), frame => frame.Opcode == Opcode.Text && frame.Rsv1);
    }

    [Fact]
    public async Task The_connection_options_in_the_client_options_are_the_ones_the_connection_applies()
    {
        var peer = new EchoPeer();
        await using LoopbackWebSocketServer server = LoopbackWebSocketServer.Start(peer.HandleAsync);
        using var timeout = new CancellationTokenSource(Bound);
        var options = new WebSocketClientOptions();
        options.Connection.MaxMessageSize = 200;

        using WebSocketConnection connection = await WebSocketClient.ConnectAsync(server.GetUri("/echo"), options, timeout.Token);
        await connection.SendAsync(new byte[201], WebSocketMessageType.Binary, timeout.Token);
        WebSocketProtocolException tooLarge = await Assert.ThrowsAsync<WebSocketProtocolException>(() => connection.ReceiveMessageAsync(timeout.Token).AsTask());

        Assert.Equal(CloseStatus.MessageTooBig, tooLarge.CloseStatus);
    }

    [Fact]
    public void Client_options_refuse_connection_options_of_the_server_role()
    {
        var options = new WebSocketClientOptions();

        Assert.Throws<ArgumentException>(() => options.Connection = WebSocketConnectionOptions.ForServer());
        Assert.Equal(WebSocketRole.Client, options.Connection.Role);
    }

    /// <summary>Connects to a server that reads until the client's socket goes; returns the connection, the server's side and the client socket's inode.</summary>
    private static async Task<(WebSocketConnection Connection, Task<bool> PeerSawEnd, long Inode)> ConnectWatchedAsync(LoopbackWebSocketServer server, TaskCompletionSource<(int ClientPort, Task<bool> PeerSawEnd)> accepted, CancellationToken cancellationToken)
    {
        WebSocketConnection connection = await WebSocketClient.ConnectAsync(server.GetUri("/"), null, cancellationToken);
        (int clientPort, Task<bool> peerSawEnd) = await accepted.Task.WaitAsync(Bound, cancellationToken);
        long inode = SocketDescriptors.FindInode(clientPort, server.Port);

        // The check can see the socket: without this, "not held" below would prove nothing.
        Assert.NotEqual(0, inode);
        Assert.True(SocketDescriptors.IsHeld(inode), "The client's socket is not among this process's descriptors while connected.");
        return (connection, peerSawEnd, inode);
    }

    /// <summary>A server that accepts the handshake, then reads until the client's end of the socket closes.</summary>
    private static LoopbackWebSocketServer StartWatchingServer(TaskCompletionSource<(int ClientPort, Task<bool> PeerSawEnd)> accepted) =>
        LoopbackWebSocketServer.Start(async (transport, cancellationToken) =>
        {
            ServerHandshakeResult handshake = await HandshakeNegotiator.AcceptAsync(transport.Input, transport.Output, new WebSocketServerOptions(), cancellationToken);
            Assert.Equal(HandshakeOutcome.Accepted, handshake.Outcome);
            var sawEnd = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            accepted.TrySetResult((((IPEndPoint)transport.RemoteEndPoint!).Port, sawEnd.Task));
            try
            {
                while (true)
                {
                    System.IO.Pipelines.ReadResult read = await transport.Input.ReadAsync(cancellationToken);
                    transport.Input.AdvanceTo(read.Buffer.End);
                    if (read.IsCompleted)
                    {
                        sawEnd.TrySetResult(true);
                        return;
                    }
                }
            }
            catch (System.IO.IOException)
            {
                // A reset is the socket going too.
                sawEnd.TrySetResult(true);
            }
            finally
            {
                sawEnd.TrySetResult(false);
            }
        });

    private static async Task AssertReleasedAsync(long inode)
    {
        using var deadline = new CancellationTokenSource(Bound);
        while (SocketDescriptors.IsHeld(inode))
        {
            await Task.Delay(20, deadline.Token);
        }
    }

    [Theory]
    [InlineData("Dispose")]
    [InlineData("Abort")]
    public async Task Disposing_or_aborting_the_connection_closes_its_socket_and_leaves_no_descriptor(string end)
    {
        var accepted = new TaskCompletionSource<(int ClientPort, Task<bool> PeerSawEnd)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using LoopbackWebSocketServer server = StartWatchingServer(accepted);
        using var timeout = new CancellationTokenSource(Bound);
        (WebSocketConnection connection, Task<bool> peerSawEnd, long inode) = await ConnectWatchedAsync(server, accepted, timeout.Token);

        if (end == "Dispose")
        {
            connection.Dispose();
        }
        else
        {
            connection.Abort();
        }

        Assert.True(await peerSawEnd.WaitAsync(Bound), "The server did not see the client's socket close.");
        await AssertReleasedAsync(inode);
        connection.Dispose();
    }

    [Fact]
    public async Task After_the_closing_handshake_the_socket_is_closed_without_a_Dispose()
    {
        var peer = new EchoPeer();
        var clientPort = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using LoopbackWebSocketServer server = LoopbackWebSocketServer.Start((transport, cancellationToken) =>
        {
            clientPort.TrySetResult(((IPEndPoint)transport.RemoteEndPoint!).Port);
            return peer.HandleAsync(transport, cancellationToken);
        });
        using var timeout = new CancellationTokenSource(Bound);

        WebSocketConnection connection = await WebSocketClient.ConnectAsync(server.GetUri("/echo"), null, timeout.Token);
        long inode = SocketDescriptors.FindInode(await clientPort.Task.WaitAsync(Bound), server.Port);
        Assert.True(inode != 0 && SocketDescriptors.IsHeld(inode), "The client's socket is not among this process's descriptors while connected.");
        await connection.CloseAsync(CloseStatus.NormalClosure, "bye", timeout.Token);

        await AssertReleasedAsync(inode);
        connection.Dispose();
    }
}
