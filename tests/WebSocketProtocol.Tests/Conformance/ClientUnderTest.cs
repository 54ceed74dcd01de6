using System.Net.WebSockets;
using System;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Connection;
using WebSocketProtocol.Extensions.Deflate;
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

    public static async Task<ClientUnderTest> StartAsync(CaseScript script, CancellationToken cancellationToken)
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
            client = Task.Run(() => RunClientAsync(uri, script, stopping.Token));

            using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            connectTimeout.CancelAfter(EchoSettings.ConnectTimeout);
            socket = await listener.AcceptSocketAsync(connectTimeout.Token).ConfigureAwait(false);
            socket.NoDelay = true;
            stream = new NetworkStream(socket, ownsSocket: false);
            PipeReader input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 16 * 1024, leaveOpen: true));
            PipeWriter output = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
            var handshakeOptions = new WebSocketServerOptions { OriginPolicy = OriginPolicy.Any };
            handshakeOptions.Extensions.Add(new PerMessageDeflateServerFactory());
            ServerHandshakeResult handshake = await HandshakeNegotiator.AcceptAsync(input, output, handshakeOptions, connectTimeout.Token).ConfigureAwait(false);
            if (handshake.Outcome != HandshakeOutcome.Accepted)
            {
                throw new InvalidOperationException($"The test server refused our client's handshake: {handshake.Error}.");
            }

            // From here on the peer writes frames straight to the socket; it keeps only the agreed parameters.
            await output.CompleteAsync().ConfigureAwait(false);
            var peer = new PeerConnection(WebSocketRole.Server, socket, stream, input);
            foreach (var extension in handshake.Extensions)
            {
                if (extension is PerMessageDeflateExtension agreed)
                {
                    peer.Deflate = new PeerDeflate(agreed.ServerMaxWindowBits, agreed.ServerNoContextTakeover);
                }

                extension.Dispose();
            }

            if (script.DeflateOffers is not null && peer.Deflate is null)
            {
                peer.AddViolation("Our client did not offer permessage-deflate, or the default server policy declined it.");
            }

            return new ClientUnderTest(peer, client, stopping);
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
    private static async Task<ImplementationOutcome> RunClientAsync(Uri uri, CaseScript script, CancellationToken stopping)
    {
        try
        {
            // As samples/EchoClient with --deflate: the client offers the case's first offer (one offer is all it makes).
            var clientOptions = new WebSocketClientOptions();
            clientOptions.Connection.MaxMessageSize = EchoSettings.MaxMessageSize;
            clientOptions.Connection.FragmentSize = script.FragmentSize;
            if (script.DeflateOffers is [DeflateOffer offer, ..])
            {
                clientOptions.Extensions.Add(new PerMessageDeflateClientFactory(new PerMessageDeflateOptions
                {
                    ClientNoContextTakeover = offer.ClientNoContextTakeover,
                    ClientMaxWindowBits = offer.ClientMaxWindowBits == 0 ? PerMessageDeflateOptions.MaxWindowBits : offer.ClientMaxWindowBits,
                }));
            }

            using WebSocketConnection connection = await WebSocketClient.ConnectAsync(uri, clientOptions, stopping).ConfigureAwait(false);
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
        catch (WebSocketConnectException exception)
        {
            return new ImplementationOutcome(ImplementationEnd.HandshakeFailed, exception.Message);
        }
        catch (Exception exception)
        {
            return ImplementationOutcome.From(exception);
        }
    }
}
