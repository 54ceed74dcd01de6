using System;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Connection;
using WebSocketProtocol.Handshake;
using WebSocketProtocol.Transport;

namespace WebSocketProtocol.Tests.Conformance;

/// <summary>
/// Our client under test: <see cref="WebSocketClient.ConnectAsync"/> and an echo loop that behaves as samples/EchoClient
/// (16 MiB messages, client defaults). The test is a raw server on a <see cref="TcpListener"/> at 127.0.0.1: it answers the
/// handshake with <see cref="HandshakeNegotiator.AcceptAsync"/>, then writes unmasked frames by hand.
/// </summary>
internal sealed class ClientUnderTest : IImplementationHarness
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(15);

    private readonly CancellationTokenSource _stopping;

    private ClientUnderTest(PeerConnection peer, Task<ImplementationOutcome> outcome, CancellationTokenSource stopping)
    {
        Peer = peer;
        Outcome = outcome;
        _stopping = stopping;
    }

    public PeerConnection Peer { get; }

    public Task<ImplementationOutcome> Outcome { get; }

    public static async Task<ClientUnderTest> StartAsync(int fragmentSize, CancellationToken cancellationToken)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task<ImplementationOutcome>? client = null;
        Socket? socket = null;
        NetworkStream? stream = null;
        try
        {
            var uri = new Uri("ws://127.0.0.1:" + ((IPEndPoint)listener.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture) + "/echo");
            client = Task.Run(() => RunClientAsync(uri, fragmentSize, stopping.Token));

            using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            connectTimeout.CancelAfter(EchoSettings.ConnectTimeout);
            socket = await listener.AcceptSocketAsync(connectTimeout.Token).ConfigureAwait(false);
            socket.NoDelay = true;
            stream = new NetworkStream(socket, ownsSocket: false);
            PipeReader input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 16 * 1024, leaveOpen: true));
            PipeWriter output = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
            var handshakeOptions = new WebSocketServerOptions { OriginPolicy = OriginPolicy.Any };
            ServerHandshakeResult handshake = await HandshakeNegotiator.AcceptAsync(input, output, handshakeOptions, connectTimeout.Token).ConfigureAwait(false);
            if (handshake.Outcome != HandshakeOutcome.Accepted)
            {
                throw new InvalidOperationException($"The test server refused our client's handshake: {handshake.Error}.");
            }

            // From here on the peer writes frames straight to the socket.
            await output.CompleteAsync().ConfigureAwait(false);
            return new ClientUnderTest(new PeerConnection(WebSocketRole.Server, socket, stream, input), client, stopping);
        }
        catch
        {
            await stopping.CancelAsync().ConfigureAwait(false);
            stream?.Dispose();
            socket?.Dispose();
            if (client is not null)
            {
                await Task.WhenAny(client, Task.Delay(StopTimeout)).ConfigureAwait(false);
            }

            stopping.Dispose();
            throw;
        }
        finally
        {
            listener.Stop();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await Peer.DisposeAsync().ConfigureAwait(false);
        await Task.WhenAny(Outcome, Task.Delay(StopTimeout)).ConfigureAwait(false);
        _stopping.Dispose();
    }

    /// <summary>The loop of samples/EchoClient/Program.cs, reporting how it ended instead of printing it.</summary>
    private static async Task<ImplementationOutcome> RunClientAsync(Uri uri, int fragmentSize, CancellationToken stopping)
    {
        try
        {
            using WebSocketClientConnection transport = await WebSocketClient.ConnectAsync(uri, null, stopping).ConfigureAwait(false);
            WebSocketConnectionOptions options = WebSocketConnectionOptions.ForClient();
            options.MaxMessageSize = EchoSettings.MaxMessageSize;
            options.FragmentSize = fragmentSize;
            using var connection = new WebSocketConnection(transport.Input, transport.Output, options, transport.Handshake.Subprotocol);
            try
            {
                while (true)
                {
                    WebSocketMessage message = await connection.ReceiveMessageAsync(stopping).ConfigureAwait(false);
                    if (message.MessageType == WebSocketMessageType.Close)
                    {
                        await connection.CloseAsync(CloseStatus.NormalClosure, null, CancellationToken.None).ConfigureAwait(false);
                        return new ImplementationOutcome(ImplementationEnd.ReceivedClose, $"peer closed with {(int?)message.CloseStatus}");
                    }

                    await connection.SendAsync(message.Data, message.MessageType, stopping).ConfigureAwait(false);
                }
            }
            catch (WebSocketProtocolException exception)
            {
                return ImplementationOutcome.From(exception);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                await connection.CloseAsync(CloseStatus.GoingAway, "client stopped", CancellationToken.None).ConfigureAwait(false);
                return new ImplementationOutcome(ImplementationEnd.Stopped, "the test stopped the client");
            }
        }
        catch (Exception exception) when (exception is WebSocketHandshakeException or SocketException)
        {
            return new ImplementationOutcome(ImplementationEnd.HandshakeFailed, exception.Message);
        }
        catch (Exception exception)
        {
            return ImplementationOutcome.From(exception);
        }
    }
}
