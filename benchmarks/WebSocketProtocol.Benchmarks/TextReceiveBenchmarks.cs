using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Pipelines;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using WebSocketProtocol.Connection;
using WebSocketProtocol.Framing;

namespace WebSocketProtocol.Benchmarks;

/// <summary>What a <see cref="TextReceiveBenchmarks"/> message carries.</summary>
public enum MessageContent
{
    /// <summary>Random bytes in a binary message: no validation.</summary>
    Binary,

    /// <summary>A text message of ASCII prose.</summary>
    AsciiText,

    /// <summary>A text message mixing ASCII with 2-, 3- and 4-byte characters (about half the bytes non-ASCII).</summary>
    MixedText,
}

/// <summary>
/// A server receiving 64 KiB messages, one masked frame each, into a 64 KiB buffer: the cost of UTF-8 validation is the
/// difference between a text and a binary message. Ours (<see cref="WebSocketConnection.ReceiveAsync"/> over a
/// <see cref="CyclicPipeReader"/>) against ManagedWebSocket over a <see cref="CyclicReadStream"/> replaying the same bytes.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(FramingBenchmarkConfig))]
public class TextReceiveBenchmarks
{
    /// <summary>Messages received per benchmark invocation.</summary>
    public const int MessagesPerInvoke = 64;

    private const int PayloadLength = 64 * 1024;
    private const int FramesInReplay = 4;

    private byte[] _destination = Array.Empty<byte>();
    private WebSocketConnection _connection = null!;
    private System.Net.WebSockets.WebSocket _webSocket = null!;

    /// <summary>The message kind.</summary>
    [Params(MessageContent.Binary, MessageContent.AsciiText, MessageContent.MixedText)]
    public MessageContent Content { get; set; }

    /// <summary>Encodes the replay and checks both receivers on one pass.</summary>
    [GlobalSetup]
    public void Setup()
    {
        byte[] payload = CreatePayload(Content);
        Opcode opcode = Content == MessageContent.Binary ? Opcode.Binary : Opcode.Text;
        int frameLength = FrameHeader.GetEncodedLength(PayloadLength, isMasked: true) + PayloadLength;
        byte[] wire = new byte[FramesInReplay * frameLength];
        var random = new Random(7);
        byte[] keyBytes = new byte[4];
        for (int i = 0; i < FramesInReplay; i++)
        {
            random.NextBytes(keyBytes);
            var header = new FrameHeader(opcode, PayloadLength, isMasked: true, maskKey: BinaryPrimitives.ReadUInt32BigEndian(keyBytes));
            Span<byte> frame = wire.AsSpan(i * frameLength, frameLength);
            int headerLength = header.Write(frame);
            PayloadMask.Apply(payload, frame.Slice(headerLength), header.MaskKey, 0);
        }

        _destination = new byte[PayloadLength];
        var options = new WebSocketConnectionOptions(WebSocketRole.Server) { KeepAliveInterval = Timeout.InfiniteTimeSpan };
        _connection = new WebSocketConnection(new CyclicPipeReader(wire), PipeWriter.Create(Stream.Null), options);
        _webSocket = System.Net.WebSockets.WebSocket.CreateFromStream(new CyclicReadStream(wire), new System.Net.WebSockets.WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });

        for (int i = 0; i < FramesInReplay; i++)
        {
            Array.Clear(_destination);
            if (ReceiveOursAsync().AsTask().GetAwaiter().GetResult() != PayloadLength || !_destination.AsSpan().SequenceEqual(payload))
            {
                throw new InvalidOperationException("Ours got a message wrong.");
            }

            Array.Clear(_destination);
            if (ReceiveManagedAsync().AsTask().GetAwaiter().GetResult() != PayloadLength || !_destination.AsSpan().SequenceEqual(payload))
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
            total += await ReceiveManagedAsync().ConfigureAwait(false);
        }

        return total;
    }

    /// <summary>Ours: <see cref="WebSocketConnection.ReceiveAsync"/> until the end of each message.</summary>
    [Benchmark(OperationsPerInvoke = MessagesPerInvoke)]
    public async ValueTask<long> Ours()
    {
        long total = 0;
        for (int i = 0; i < MessagesPerInvoke; i++)
        {
            total += await ReceiveOursAsync().ConfigureAwait(false);
        }

        return total;
    }

    private ValueTask<int> ReceiveOursAsync() => MessageReceive.OursAsync(_connection, _destination);

    private ValueTask<int> ReceiveManagedAsync() => MessageReceive.ManagedAsync(_webSocket, _destination);

    private static byte[] CreatePayload(MessageContent content)
    {
        byte[] payload = new byte[PayloadLength];
        if (content == MessageContent.Binary)
        {
            new Random(42).NextBytes(payload);
            return payload;
        }

        // Repeat a sample up to the length, cutting only between characters so the whole is valid UTF-8.
        string sample = content == MessageContent.AsciiText
            ? "The quick brown fox jumps over the lazy dog; pack my box with five dozen liquor jugs. "
            : "Grüße aus Köln, 東京からこんにちは, Привет мир, 🎉🚀 ok! ";
        byte[] unit = Encoding.UTF8.GetBytes(sample);
        int filled = 0;
        while (filled + unit.Length <= PayloadLength)
        {
            unit.CopyTo(payload, filled);
            filled += unit.Length;
        }

        // Pad the rest with ASCII spaces.
        payload.AsSpan(filled).Fill((byte)' ');
        return payload;
    }
}
