using System.Net.WebSockets;
using System;
using System.IO;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using WebSocketProtocol.Connection;

namespace WebSocketProtocol.Benchmarks;

/// <summary>
/// A whole echo round trip per operation: the client sends a binary message, the server receives it into its buffer
/// and sends it back, the client receives it. Our <see cref="WebSocketConnection"/> pair against a ManagedWebSocket pair
/// (<see cref="System.Net.WebSockets.WebSocket.CreateFromStream(Stream, System.Net.WebSockets.WebSocketCreationOptions)"/>),
/// on the same transport, both ends in the one benchmark thread. A round trip carries the message twice, masked once.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(FramingBenchmarkConfig))]
public class EchoBenchmarks
{
    /// <summary>Round trips per benchmark invocation.</summary>
    public const int RoundTripsPerInvoke = 200;

    private byte[] _payload = Array.Empty<byte>();
    private byte[] _serverBuffer = Array.Empty<byte>();
    private byte[] _clientBuffer = Array.Empty<byte>();
    private WebSocketConnection _ourServer = null!;
    private WebSocketConnection _ourClient = null!;
    private System.Net.WebSockets.WebSocket _managedServer = null!;
    private System.Net.WebSockets.WebSocket _managedClient = null!;
    private IDisposable[] _transports = Array.Empty<IDisposable>();

    /// <summary>The message length, in bytes.</summary>
    [Params(16, 1024, 65536)]
    public int PayloadLength { get; set; }

    /// <summary>The transport both stacks run on.</summary>
    [Params(EchoTransport.Pipe, EchoTransport.Loopback)]
    public EchoTransport Transport { get; set; }

    /// <summary>Connects both pairs and checks one echo on each.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _payload = new byte[PayloadLength];
        new Random(42).NextBytes(_payload);
        _serverBuffer = new byte[PayloadLength];
        _clientBuffer = new byte[PayloadLength];

        (IDuplexPipe ourServerSide, IDuplexPipe ourClientSide) = CreatePipes();
        var serverOptions = new WebSocketConnectionOptions(WebSocketRole.Server) { KeepAliveInterval = Timeout.InfiniteTimeSpan };
        _ourServer = new WebSocketConnection(ourServerSide.Input, ourServerSide.Output, serverOptions);
        _ourClient = new WebSocketConnection(ourClientSide.Input, ourClientSide.Output, WebSocketConnectionOptions.ForClient());

        (Stream managedServerSide, Stream managedClientSide) = CreateStreams();
        _managedServer = System.Net.WebSockets.WebSocket.CreateFromStream(managedServerSide, new System.Net.WebSockets.WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
        _managedClient = System.Net.WebSockets.WebSocket.CreateFromStream(managedClientSide, new System.Net.WebSockets.WebSocketCreationOptions { IsServer = false, KeepAliveInterval = TimeSpan.Zero });

        Array.Clear(_clientBuffer);
        Ours().AsTask().GetAwaiter().GetResult();
        Check("ours");
        Array.Clear(_clientBuffer);
        ManagedWebSocket().AsTask().GetAwaiter().GetResult();
        Check("ManagedWebSocket");
    }

    /// <summary>Drops both pairs and their transports.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _ourServer.Dispose();
        _ourClient.Dispose();
        _managedServer.Dispose();
        _managedClient.Dispose();
        foreach (IDisposable transport in _transports)
        {
            transport.Dispose();
        }
    }

    /// <summary>ManagedWebSocket on both ends; each side receives with <c>ReceiveAsync(Memory&lt;byte&gt;)</c> until the end of the message.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = RoundTripsPerInvoke)]
    public async ValueTask<long> ManagedWebSocket()
    {
        long total = 0;
        for (int i = 0; i < RoundTripsPerInvoke; i++)
        {
            await _managedClient.SendAsync(_payload.AsMemory(), WebSocketMessageType.Binary, true, CancellationToken.None).ConfigureAwait(false);
            int received = await MessageReceive.ManagedAsync(_managedServer, _serverBuffer).ConfigureAwait(false);
            await _managedServer.SendAsync(_serverBuffer.AsMemory(0, received), WebSocketMessageType.Binary, true, CancellationToken.None).ConfigureAwait(false);
            total += await MessageReceive.ManagedAsync(_managedClient, _clientBuffer).ConfigureAwait(false);
        }

        return total;
    }

    /// <summary>Ours on both ends; each side receives with <see cref="WebSocketConnection.ReceiveAsync"/> until the end of the message.</summary>
    [Benchmark(OperationsPerInvoke = RoundTripsPerInvoke)]
    public async ValueTask<long> Ours()
    {
        long total = 0;
        for (int i = 0; i < RoundTripsPerInvoke; i++)
        {
            await _ourClient.SendAsync(_payload, WebSocketMessageType.Binary).ConfigureAwait(false);
            int received = await MessageReceive.OursAsync(_ourServer, _serverBuffer).ConfigureAwait(false);
            await _ourServer.SendAsync(_serverBuffer.AsMemory(0, received), WebSocketMessageType.Binary).ConfigureAwait(false);
            total += await MessageReceive.OursAsync(_ourClient, _clientBuffer).ConfigureAwait(false);
        }

        return total;
    }

    private void Check(string who)
    {
        if (!_clientBuffer.AsSpan().SequenceEqual(_payload))
        {
            throw new InvalidOperationException($"The echo through {who} came back wrong.");
        }
    }

    private (IDuplexPipe Server, IDuplexPipe Client) CreatePipes()
    {
        if (Transport == EchoTransport.Pipe)
        {
            Pipe toServer = NewPipe();
            Pipe toClient = NewPipe();
            return (new DuplexPipe(toServer.Reader, toClient.Writer), new DuplexPipe(toClient.Reader, toServer.Writer));
        }

        // Reads of up to 64 KiB, as ManagedWebSocket reads large payloads straight into the caller's buffer.
        (NetworkStream server, NetworkStream client) = ConnectLoopback();
        var readerOptions = new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 4096);
        return (
            new DuplexPipe(PipeReader.Create(server, readerOptions), PipeWriter.Create(server)),
            new DuplexPipe(PipeReader.Create(client, readerOptions), PipeWriter.Create(client)));
    }

    private (Stream Server, Stream Client) CreateStreams()
    {
        if (Transport == EchoTransport.Pipe)
        {
            Pipe toServer = NewPipe();
            Pipe toClient = NewPipe();
            return (new DuplexPipeStream(toServer.Reader, toClient.Writer), new DuplexPipeStream(toClient.Reader, toServer.Writer));
        }

        return ConnectLoopback();
    }

    // Never pauses the writer: both ends run in one thread, so a flush that waited for the reader would never return.
    private static Pipe NewPipe() => new(new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false));

    private (NetworkStream Server, NetworkStream Client) ConnectLoopback()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.Connect(listener.LocalEndPoint!);
        Socket server = listener.Accept();
        server.NoDelay = true;
        var streams = (new NetworkStream(server, ownsSocket: true), new NetworkStream(client, ownsSocket: true));
        _transports = [.. _transports, streams.Item1, streams.Item2];
        return streams;
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
