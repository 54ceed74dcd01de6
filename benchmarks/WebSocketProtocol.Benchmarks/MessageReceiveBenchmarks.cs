using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Pipelines;
using System.Threading;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using WebSocketProtocol.Connection;
using WebSocketProtocol.Framing;

namespace WebSocketProtocol.Benchmarks;

/// <summary>
/// A server receiving whole binary messages (one masked frame each) from a replaying reader, the way an application loop
/// does: with <see cref="WebSocketConnection.ReceiveMessageAsync"/> (the message a lease on a pooled buffer, disposed),
/// and with <see cref="WebSocketConnection.ReceiveAsync"/> into the caller's buffer; against ManagedWebSocket receiving
/// the same bytes into the caller's buffer. Times are per message.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(FramingBenchmarkConfig))]
public class MessageReceiveBenchmarks
{
    /// <summary>Messages received per benchmark invocation.</summary>
    public const int MessagesPerInvoke = 256;

    private byte[] _destination = Array.Empty<byte>();
    private WebSocketConnection _connection = null!;
    private System.Net.WebSockets.WebSocket _webSocket = null!;

    /// <summary>The payload length of every message, in bytes.</summary>
    [Params(16, 65536)]
    public int PayloadLength { get; set; }

    /// <summary>Encodes the replay (about 4 KiB of frames, at least 4) and checks every receiver on one pass.</summary>
    [GlobalSetup]
    public void Setup()
    {
        int frameLength = FrameHeader.GetEncodedLength(PayloadLength, isMasked: true) + PayloadLength;
        int frames = Math.Max(4, 4096 / frameLength);
        byte[] payload = new byte[PayloadLength];
        new Random(42).NextBytes(payload);
        byte[] wire = new byte[frames * frameLength];
        var random = new Random(7);
        byte[] keyBytes = new byte[4];
        for (int i = 0; i < frames; i++)
        {
            random.NextBytes(keyBytes);
            var header = new FrameHeader(Opcode.Binary, PayloadLength, isMasked: true, maskKey: BinaryPrimitives.ReadUInt32BigEndian(keyBytes));
            Span<byte> frame = wire.AsSpan(i * frameLength, frameLength);
            int headerLength = header.Write(frame);
            PayloadMask.Apply(payload, frame.Slice(headerLength), header.MaskKey, 0);
        }

        _destination = new byte[PayloadLength];
        var options = new WebSocketConnectionOptions(WebSocketRole.Server) { KeepAliveInterval = Timeout.InfiniteTimeSpan };
        _connection = new WebSocketConnection(new CyclicPipeReader(wire), PipeWriter.Create(Stream.Null), options);
        _webSocket = System.Net.WebSockets.WebSocket.CreateFromStream(new CyclicReadStream(wire), new System.Net.WebSockets.WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });

        for (int i = 0; i < frames; i++)
        {
            if (ReceiveMessageLength(payload) != PayloadLength)
            {
                throw new InvalidOperationException("ReceiveMessageAsync got a message wrong.");
            }

            Array.Clear(_destination);
            if (MessageReceive.OursAsync(_connection, _destination).AsTask().GetAwaiter().GetResult() != PayloadLength || !_destination.AsSpan().SequenceEqual(payload))
            {
                throw new InvalidOperationException("ReceiveAsync got a message wrong.");
            }

            Array.Clear(_destination);
            if (MessageReceive.ManagedAsync(_webSocket, _destination).AsTask().GetAwaiter().GetResult() != PayloadLength || !_destination.AsSpan().SequenceEqual(payload))
            {
                throw new InvalidOperationException("ManagedWebSocket got a message wrong.");
            }
        }
    }

    /// <summary>Disposes both receivers.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _connection.Dispose();
        _webSocket.Dispose();
    }

    /// <summary>ManagedWebSocket: <c>ReceiveAsync(Memory&lt;byte&gt;)</c> until the end of each message.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = MessagesPerInvoke)]
    public async ValueTask<long> ManagedWebSocket()
    {
        long total = 0;
        for (int i = 0; i < MessagesPerInvoke; i++)
        {
            total += await MessageReceive.ManagedAsync(_webSocket, _destination).ConfigureAwait(false);
        }

        return total;
    }

    /// <summary>Ours: <see cref="WebSocketConnection.ReceiveAsync"/> until the end of each message, into the caller's buffer.</summary>
    [Benchmark(OperationsPerInvoke = MessagesPerInvoke)]
    public async ValueTask<long> ReceiveIntoBuffer()
    {
        long total = 0;
        for (int i = 0; i < MessagesPerInvoke; i++)
        {
            total += await MessageReceive.OursAsync(_connection, _destination).ConfigureAwait(false);
        }

        return total;
    }

    /// <summary>Ours: <see cref="WebSocketConnection.ReceiveMessageAsync"/>, the whole message in the connection's pooled buffer.</summary>
    [Benchmark(OperationsPerInvoke = MessagesPerInvoke)]
    public async ValueTask<long> ReceiveMessage()
    {
        WebSocketConnection connection = _connection;
        long total = 0;
        for (int i = 0; i < MessagesPerInvoke; i++)
        {
            using WebSocketMessage message = await connection.ReceiveMessageAsync().ConfigureAwait(false);
            total += message.Data.Length;
        }

        return total;
    }

    private int ReceiveMessageLength(byte[] expected)
    {
        using WebSocketMessage message = _connection.ReceiveMessageAsync().AsTask().GetAwaiter().GetResult();
        return message.Data.Span.SequenceEqual(expected) ? message.Data.Length : -1;
    }
}
