using System;
using System.Buffers;
using BenchmarkDotNet.Attributes;
using WebSocketProtocol.Framing;

namespace WebSocketProtocol.Benchmarks;

/// <summary>
/// <see cref="FrameHeader.TryParse(ReadOnlySpan{byte}, out FrameHeader, out int)"/> on masked client headers of each
/// length form, and the sequence overload on a header split across two segments. Baseline: the 6-byte header.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(FramingBenchmarkConfig))]
public class HeaderParseBenchmarks
{
    private const uint MaskKey = 0x37FA213D;

    private byte[] _small = Array.Empty<byte>();
    private byte[] _medium = Array.Empty<byte>();
    private byte[] _large = Array.Empty<byte>();
    private ReadOnlySequence<byte> _split;

    /// <summary>Encodes the headers and builds the two-segment sequence.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _small = Encode(16);
        _medium = Encode(1024);
        _large = Encode(64 * 1024);

        // The 8-byte 126-form header split after its third byte; the second segment carries the rest and the payload.
        byte[] rest = new byte[_medium.Length - 3 + 1024];
        _medium.AsSpan(3).CopyTo(rest);
        var first = new BufferSegment(_medium.AsMemory(0, 3));
        BufferSegment last = first.Append(rest);
        _split = new ReadOnlySequence<byte>(first, 0, last, rest.Length);

        Check(Span6Bytes(), 6 + 16);
        Check(Span8Bytes126Form(), 8 + 1024);
        Check(Span14Bytes127Form(), 14 + (64 * 1024));
        Check(Sequence8BytesSplit(), 8 + 1024);
    }

    /// <summary>A 16-byte payload: 2 bytes plus the masking key.</summary>
    [Benchmark(Baseline = true)]
    public long Span6Bytes()
    {
        FrameHeader.TryParse(_small.AsSpan(), out FrameHeader header, out int consumed);
        return header.PayloadLength + consumed;
    }

    /// <summary>A 1 KiB payload: the 16-bit extended length.</summary>
    [Benchmark]
    public long Span8Bytes126Form()
    {
        FrameHeader.TryParse(_medium.AsSpan(), out FrameHeader header, out int consumed);
        return header.PayloadLength + consumed;
    }

    /// <summary>A 64 KiB payload: the 64-bit extended length.</summary>
    [Benchmark]
    public long Span14Bytes127Form()
    {
        FrameHeader.TryParse(_large.AsSpan(), out FrameHeader header, out int consumed);
        return header.PayloadLength + consumed;
    }

    /// <summary>The 1 KiB header split 3 + 5 bytes across two segments.</summary>
    [Benchmark]
    public long Sequence8BytesSplit()
    {
        FrameHeader.TryParse(in _split, out FrameHeader header, out int consumed);
        return header.PayloadLength + consumed;
    }

    private static byte[] Encode(long payloadLength)
    {
        var header = new FrameHeader(Opcode.Binary, payloadLength, isMasked: true, maskKey: MaskKey);
        byte[] encoded = new byte[header.EncodedLength];
        header.Write(encoded);
        return encoded;
    }

    private static void Check(long actual, long expected)
    {
        if (actual != expected)
        {
            throw new InvalidOperationException($"Header parse returned {actual}, expected {expected}.");
        }
    }
}
