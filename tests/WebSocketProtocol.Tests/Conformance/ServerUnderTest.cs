using System.Net.WebSockets;
using System;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Connection;
using WebSocketProtocol.Extensions.Deflate;
using WebSocketProtocol.Handshake;
using WebSocketProtocol.Tests.Interop;

namespace WebSocketProtocol.Tests.Conformance;

/// <summary>
/// Our server under test: a <see cref="LoopbackWebSocketServer"/> whose handler runs
/// <see cref="HandshakeNegotiator.AcceptAsync"/> and then an echo loop that behaves as samples/ChatServer's EchoEndpoint
/// (16 MiB messages, keepalive off). The test connects as a raw client: the handshake through
/// <see cref="HandshakeNegotiator.ConnectAsync"/> on its own pipes, then masked frames written by hand.
/// </summary>
internal sealed class ServerUnderTest : IImplementationHarness
{
    private readonly LoopbackWebSocketServer _server;

    private ServerUnderTest(LoopbackWebSocketServer server, PeerConnection peer, Task<ImplementationOutcome> outcome)
    {
        _server = server;
        Peer = peer;
        Outcome = outcome;
    }

    public PeerConnection Peer { get; }

    public Task<ImplementationOutcome> Outcome { get; }

    public static async Task<ServerUnderTest> StartAsync(CaseScript script, CancellationToken cancellationToken)
    {
        var outcome = new TaskCompletionSource<ImplementationOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        LoopbackWebSocketServer server = LoopbackWebSocketServer.Start((transport, stopping) => RunServerAsync(transport, script.FragmentSize, outcome, stopping));
        Socket? socket = null;
        NetworkStream? stream = null;
        try
        {
            using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            connectTimeout.CancelAfter(EchoSettings.ConnectTimeout);
            socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(IPAddress.Loopback, server.Port, connectTimeout.Token).ConfigureAwait(false);
            stream = new NetworkStream(socket, ownsSocket: false);
            PipeReader input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 16 * 1024, leaveOpen: true));
            PipeWriter output = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
            var offers = script.DeflateOffers is null ? null : new RawDeflateOffers(script.DeflateOffers);
            var clientOptions = new WebSocketClientOptions();
            if (offers is not null)
            {
                clientOptions.Extensions.Add(offers);
            }

            await HandshakeNegotiator.ConnectAsync(input, output, server.GetUri("/echo"), clientOptions, connectTimeout.Token).ConfigureAwait(false);

            // From here on the peer writes frames straight to the socket.
            await output.CompleteAsync().ConfigureAwait(false);
            var peer = new PeerConnection(WebSocketRole.Client, socket, stream, input);
            if (offers?.Agreed is { } agreed)
            {
                peer.Deflate = new PeerDeflate(agreed.ClientMaxWindowBits, agreed.ClientNoContextTakeover);
            }

            return new ServerUnderTest(server, peer, outcome.Task);
        }
        catch
        {
            stream?.Dispose();
            socket?.Dispose();
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Peer.DisposeAsync().ConfigureAwait(false);
        await _server.DisposeAsync().ConfigureAwait(false);
    }

    private static async Task RunServerAsync(LoopbackConnection transport, int fragmentSize, TaskCompletionSource<ImplementationOutcome> outcome, CancellationToken stopping)
    {
        try
        {
            // As the sample server: permessage-deflate with the default policy, agreed whenever a client offers it.
            var handshakeOptions = new WebSocketServerOptions { OriginPolicy = OriginPolicy.Any };
            handshakeOptions.Extensions.Add(new PerMessageDeflateServerFactory());
            ServerHandshakeResult handshake = await HandshakeNegotiator.AcceptAsync(transport.Input, transport.Output, handshakeOptions, stopping).ConfigureAwait(false);
            if (handshake.Outcome != HandshakeOutcome.Accepted)
            {
                outcome.TrySetResult(new ImplementationOutcome(ImplementationEnd.HandshakeFailed, handshake.Error.ToString()));
                return;
            }

            WebSocketConnectionOptions options = WebSocketConnectionOptions.ForServer();
            options.MaxMessageSize = EchoSettings.MaxMessageSize;
            options.KeepAliveInterval = Timeout.InfiniteTimeSpan;
            options.FragmentSize = fragmentSize;
            using var connection = new WebSocketConnection(transport.Input, transport.Output, options, handshake);
            outcome.TrySetResult(await EchoAsync(connection, stopping).ConfigureAwait(false));
        }
        catch (Exception exception)
        {
            outcome.TrySetResult(ImplementationOutcome.From(exception));
        }
    }

    /// <summary>The loop of samples/ChatServer/EchoEndpoint.cs, reporting how it ended instead of swallowing it.</summary>
    private static async Task<ImplementationOutcome> EchoAsync(WebSocketConnection connection, CancellationToken stopping)
    {
        try
        {
            while (true)
            {
                WebSocketMessage message = await connection.ReceiveMessageAsync(stopping).ConfigureAwait(false);
                if (message.MessageType == WebSocketMessageType.Close)
                {
                    return new ImplementationOutcome(ImplementationEnd.ReceivedClose, $"peer closed with {(int?)message.CloseStatus}");
                }

                await connection.SendAsync(message.Data, message.MessageType, stopping).ConfigureAwait(false);
            }
        }
        catch (WebSocketProtocolException exception)
        {
            // The connection already sent the right close code and dropped the transport.
            return ImplementationOutcome.From(exception);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            await connection.CloseAsync(CloseStatus.GoingAway, "server shutting down", CancellationToken.None).ConfigureAwait(false);
            return new ImplementationOutcome(ImplementationEnd.Stopped, "the test stopped the server");
        }
    }
}
