using System;
using System.Buffers.Binary;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using WebSocketProtocol.Framing;

namespace WebSocketProtocol.Benchmarks;

/// <summary>
/// A server receiving masked binary frames, one message each, into a buffer of the payload's size: <see cref="FrameReader"/>
/// over a <see cref="CyclicPipeReader"/> (<see cref="FrameReader.ReadFrameAsync"/> then <see cref="Frame.CopyPayloadTo"/>)
/// against the runtime's ManagedWebSocket (<see cref="WebSocket.CreateFromStream(System.IO.Stream, WebSocketCreationOptions)"/>)
/// over a <see cref="CyclicReadStream"/> replaying the same bytes. Times are per frame.
/// </summary>
/// <remarks>
/// The replayed array holds whole frames, about 4 KiB of them and at least 4 (a pipe segment's worth for small frames),
/// so <see cref="FrameReader"/> goes back to its pipe once per array and ManagedWebSocket reads its stream as it likes.
/// </remarks>
[MemoryDiagnoser]
[Config(typeof(FramingBenchmarkConfig))]
public class FrameReadBenchmarks
{
    /// <summary>Frames read per benchmark invocation.</summary>
    public const int FramesPerInvoke = 1000;

    private byte[] _wire = Array.Empty<byte>();
    private byte[] _expected = Array.Empty<byte>();
    private byte[] _destination = Array.Empty<byte>();
    private int _frameCount;
    private CyclicPipeReader _pipe = null!;
    private FrameReader _reader = null!;
    private CyclicReadStream _stream = null!;
    private WebSocket _webSocket = null!;

    /// <summary>The payload length of every frame, in bytes.</summary>
    [Params(16, 1024, 65536)]
    public int PayloadLength { get; set; }

    /// <summary>Encodes the frames, creates both receivers and checks that each gets every payload right.</summary>
    [GlobalSetup]
    public void Setup()
    {
        int frameLength = FrameHeader.GetEncodedLength(PayloadLength, isMasked: true) + PayloadLength;
        _frameCount = Math.Max(4, 4096 / frameLength);
        _wire = new byte[_frameCount * frameLength];
        _expected = new byte[_frameCount * PayloadLength];
        var random = new Random(42);
        random.NextBytes(_expected);
        byte[] keyBytes = new byte[4];
        for (int i = 0; i < _frameCount; i++)
        {
            random.NextBytes(keyBytes);
            var header = new FrameHeader(Opcode.Binary, PayloadLength, isMasked: true, maskKey: BinaryPrimitives.ReadUInt32BigEndian(keyBytes));
            Span<byte> frame = _wire.AsSpan(i * frameLength, frameLength);
            int headerLength = header.Write(frame);
            PayloadMask.Apply(_expected.AsSpan(i * PayloadLength, PayloadLength), frame.Slice(headerLength), header.MaskKey, 0);
        }

        _destination = new byte[PayloadLength];
        _pipe = new CyclicPipeReader(_wire);
        _reader = new FrameReader(_pipe, new FrameReaderOptions(WebSocketRole.Server) { MaxFramePayloadLength = 1 << 20 });
        _stream = new CyclicReadStream(_wire);
        _webSocket = WebSocket.CreateFromStream(_stream, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });

        // One full pass each, checked frame by frame; both replays end where they started.
        for (int i = 0; i < _frameCount; i++)
        {
            ReadOnlySpan<byte> expected = _expected.AsSpan(i * PayloadLength, PayloadLength);
            Array.Clear(_destination);
            if (!_reader.ReadFrameAsync().AsTask().GetAwaiter().GetResult()
                || _reader.Current.CopyPayloadTo(_destination) != PayloadLength
                || !_destination.AsSpan().SequenceEqual(expected))
            {
                throw new InvalidOperationException($"FrameReader got frame {i} wrong.");
            }

            Array.Clear(_destination);
            if (ReceiveMessageAsync().AsTask().GetAwaiter().GetResult() != PayloadLength || !_destination.AsSpan().SequenceEqual(expected))
            {
                throw new InvalidOperationException($"ManagedWebSocket got frame {i} wrong.");
            }
        }

        if (_pipe.Position != 0 || _stream.Position != 0)
        {
            throw new InvalidOperationException("A replay did not end at a frame boundary.");
        }
    }

    /// <summary>Disposes the web socket.</summary>
    [GlobalCleanup]
    public void Cleanup() => _webSocket.Dispose();

    /// <summary>The runtime's ManagedWebSocket: <c>ReceiveAsync(Memory&lt;byte&gt;)</c> until the end of each message.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = FramesPerInvoke)]
    public async ValueTask<long> ManagedWebSocket()
    {
        // The same loop as MessageReceive.ManagedAsync, inlined so that no extra async layer is measured.
        WebSocket webSocket = _webSocket;
        Memory<byte> destination = _destination;
        long total = 0;
        for (int i = 0; i < FramesPerInvoke; i++)
        {
            ValueWebSocketReceiveResult result;
            int received = 0;
            do
            {
                result = await webSocket.ReceiveAsync(destination.Slice(received), CancellationToken.None).ConfigureAwait(false);
                received += result.Count;
            }
            while (!result.EndOfMessage);

            total += received;
        }

        return total;
    }

    /// <summary>Ours: <see cref="FrameReader.ReadFrameAsync"/> then <see cref="Frame.CopyPayloadTo"/>, which unmasks.</summary>
    [Benchmark(OperationsPerInvoke = FramesPerInvoke)]
    public async ValueTask<long> FrameReaderCopy()
    {
        FrameReader reader = _reader;
        byte[] destination = _destination;
        long total = 0;
        for (int i = 0; i < FramesPerInvoke; i++)
        {
            if (!await reader.ReadFrameAsync().ConfigureAwait(false))
            {
                throw new InvalidOperationException("The replay ended.");
            }

            total += reader.Current.CopyPayloadTo(destination);
        }

        return total;
    }

    private ValueTask<int> ReceiveMessageAsync() => MessageReceive.ManagedAsync(_webSocket, _destination);
}
