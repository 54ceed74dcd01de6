using System.Net.WebSockets;
using System;
using System.IO;
using System.IO.Pipelines;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using WebSocketProtocol.Connection;
using WebSocketProtocol.Extensions.Deflate;

namespace WebSocketProtocol.Benchmarks;

/// <summary>
/// A compressed echo round trip of text per operation, permessage-deflate agreed on both ends with context takeover and
/// 32 KiB windows: our <see cref="WebSocketConnection"/> pair (compressing every message, as ManagedWebSocket does) against
/// a ManagedWebSocket pair with <see cref="System.Net.WebSockets.WebSocketDeflateOptions"/> (zlib), over in-memory pipes.
/// Messages cycle through 64 different chat lines or 8 different 64 KiB JSON documents, so context takeover helps as it
/// would in a chat room but no message is a copy of the one before. Setup prints each stack's compression ratio.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(FramingBenchmarkConfig))]
public class CompressedEchoBenchmarks
{
    /// <summary>Round trips per benchmark invocation.</summary>
    public const int RoundTripsPerInvoke = 64;

    private byte[][] _messages = Array.Empty<byte[]>();
    private byte[] _serverBuffer = Array.Empty<byte>();
    private byte[] _clientBuffer = Array.Empty<byte>();
    private WebSocketConnection _ourServer = null!;
    private WebSocketConnection _ourClient = null!;
    private System.Net.WebSockets.WebSocket _managedServer = null!;
    private System.Net.WebSockets.WebSocket _managedClient = null!;
    private CountingPipe[] _ourWires = Array.Empty<CountingPipe>();
    private CountingPipe[] _managedWires = Array.Empty<CountingPipe>();

    /// <summary>Which messages are echoed.</summary>
    public enum Payload
    {
        /// <summary>64-byte JSON chat lines.</summary>
        ChatLine64B,

        /// <summary>64 KiB JSON documents.</summary>
        Json64KiB,
    }

    /// <summary>The messages echoed.</summary>
    [Params(Payload.ChatLine64B, Payload.Json64KiB)]
    public Payload Messages { get; set; }

    /// <summary>Connects both pairs, checks an echo on each and prints the compression ratios.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _messages = Messages == Payload.ChatLine64B ? SamplePayloads.ChatLines(64) : SamplePayloads.JsonDocuments(8, 64 * 1024);
        _serverBuffer = new byte[256 * 1024];
        _clientBuffer = new byte[256 * 1024];

        var (_, _, serverDeflate, clientDeflate) = AgreeDeflate();
        _ourWires = new[] { new CountingPipe(), new CountingPipe() };
        var serverOptions = new WebSocketConnectionOptions(WebSocketRole.Server) { KeepAliveInterval = Timeout.InfiniteTimeSpan };
        _ourServer = new WebSocketConnection(_ourWires[0].Reader, _ourWires[1].Writer, serverOptions, extensions: new[] { serverDeflate });
        _ourClient = new WebSocketConnection(_ourWires[1].Reader, _ourWires[0].Writer, WebSocketConnectionOptions.ForClient(), extensions: new[] { clientDeflate });

        _managedWires = new[] { new CountingPipe(), new CountingPipe() };
        var deflate = new System.Net.WebSockets.WebSocketDeflateOptions();
        _managedServer = System.Net.WebSockets.WebSocket.CreateFromStream(new DuplexPipeStream(_managedWires[0].Reader, _managedWires[1].Writer), new System.Net.WebSockets.WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero, DangerousDeflateOptions = deflate });
        _managedClient = System.Net.WebSockets.WebSocket.CreateFromStream(new DuplexPipeStream(_managedWires[1].Reader, _managedWires[0].Writer), new System.Net.WebSockets.WebSocketCreationOptions { IsServer = false, KeepAliveInterval = TimeSpan.Zero, DangerousDeflateOptions = deflate });

        long raw = 0;
        foreach (byte[] message in _messages)
        {
            raw += 2L * message.Length * (RoundTripsPerInvoke / _messages.Length);
        }

        Ours().AsTask().GetAwaiter().GetResult();
        ManagedWebSocket().AsTask().GetAwaiter().GetResult();
        Console.WriteLine($"// {Messages}: {raw:N0} payload bytes per invoke; on the wire ours {Bytes(_ourWires):N0} ({(double)raw / Bytes(_ourWires):F2}x), ManagedWebSocket {Bytes(_managedWires):N0} ({(double)raw / Bytes(_managedWires):F2}x)");
    }

    /// <summary>Drops both pairs.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _ourServer.Dispose();
        _ourClient.Dispose();
        _managedServer.Dispose();
        _managedClient.Dispose();
    }

    /// <summary>ManagedWebSocket with compression on both ends.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = RoundTripsPerInvoke)]
    public async ValueTask<long> ManagedWebSocket()
    {
        long total = 0;
        for (int i = 0; i < RoundTripsPerInvoke; i++)
        {
            byte[] message = _messages[i % _messages.Length];
            await _managedClient.SendAsync(message.AsMemory(), WebSocketMessageType.Text, true, CancellationToken.None).ConfigureAwait(false);
            int received = await MessageReceive.ManagedAsync(_managedServer, _serverBuffer).ConfigureAwait(false);
            await _managedServer.SendAsync(_serverBuffer.AsMemory(0, received), WebSocketMessageType.Text, true, CancellationToken.None).ConfigureAwait(false);
            int echoed = await MessageReceive.ManagedAsync(_managedClient, _clientBuffer).ConfigureAwait(false);
            total += Check(message, echoed);
        }

        return total;
    }

    /// <summary>Ours with compression on both ends.</summary>
    [Benchmark(OperationsPerInvoke = RoundTripsPerInvoke)]
    public async ValueTask<long> Ours()
    {
        long total = 0;
        for (int i = 0; i < RoundTripsPerInvoke; i++)
        {
            byte[] message = _messages[i % _messages.Length];
            await _ourClient.SendAsync(message, WebSocketMessageType.Text).ConfigureAwait(false);
            int received = await MessageReceive.OursAsync(_ourServer, _serverBuffer).ConfigureAwait(false);
            await _ourServer.SendAsync(_serverBuffer.AsMemory(0, received), WebSocketMessageType.Text).ConfigureAwait(false);
            int echoed = await MessageReceive.OursAsync(_ourClient, _clientBuffer).ConfigureAwait(false);
            total += Check(message, echoed);
        }

        return total;
    }

    /// <summary>Both ends of permessage-deflate as our factories agree it by default, compressing every message.</summary>
    internal static (string Offer, string Answer, PerMessageDeflateExtension Server, PerMessageDeflateExtension Client) AgreeDeflate(PerMessageDeflateOptions? options = null)
    {
        options ??= new PerMessageDeflateOptions { CompressionThreshold = 0 };
        var offer = new System.Buffers.ArrayBufferWriter<byte>();
        var clientFactory = new PerMessageDeflateClientFactory(options);
        clientFactory.WriteOffer(offer);
        var parser = new Extensions.ExtensionHeaderParser(Encoding.ASCII.GetBytes("permessage-deflate" + Encoding.ASCII.GetString(offer.WrittenSpan)));
        parser.MoveNext();
        var answer = new System.Buffers.ArrayBufferWriter<byte>();
        var server = (PerMessageDeflateExtension)new PerMessageDeflateServerFactory(options).Accept(parser.Current, answer)!;
        var answerParser = new Extensions.ExtensionHeaderParser(Encoding.ASCII.GetBytes("permessage-deflate" + Encoding.ASCII.GetString(answer.WrittenSpan)));
        answerParser.MoveNext();
        var client = (PerMessageDeflateExtension)clientFactory.Accept(answerParser.Current)!;
        return (Encoding.ASCII.GetString(offer.WrittenSpan), Encoding.ASCII.GetString(answer.WrittenSpan), server, client);
    }

    private static long Bytes(CountingPipe[] wires) => wires[0].Written + wires[1].Written;

    private long Check(byte[] message, int echoed)
    {
        if (echoed != message.Length || !_clientBuffer.AsSpan(0, echoed).SequenceEqual(message))
        {
            throw new InvalidOperationException("An echo came back wrong.");
        }

        return echoed;
    }

    /// <summary>A pipe that never pauses its writer and counts what went through it.</summary>
    private sealed class CountingPipe
    {
        private readonly Pipe _pipe = new(new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false));

        public CountingPipe() => Writer = new CountingWriter(_pipe.Writer, this);

        public PipeReader Reader => _pipe.Reader;

        public PipeWriter Writer { get; }

        public long Written { get; set; }

        private sealed class CountingWriter(PipeWriter inner, CountingPipe owner) : PipeWriter
        {
            public override void Advance(int bytes)
            {
                owner.Written += bytes;
                inner.Advance(bytes);
            }

            public override void CancelPendingFlush() => inner.CancelPendingFlush();

            public override void Complete(Exception? exception = null) => inner.Complete(exception);

            public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);

            public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);

            public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);
        }
    }
}
