using System;
using System.Buffers;
using System.IO;
using System.IO.Compression;
using System.Text;
using BenchmarkDotNet.Attributes;
using WebSocketProtocol.Extensions.Deflate;

namespace WebSocketProtocol.Benchmarks;

/// <summary>
/// One 16 KiB message of chat-like JSON text, compressed and inflated: the library's own DEFLATE against the platform's
/// zlib (<see cref="DeflateStream"/>, a fresh stream per message, as with no context takeover) on the same bytes.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(FramingBenchmarkConfig))]
public class DeflateBenchmarks
{
    private static readonly byte[] SyncFlushTail = { 0x00, 0x00, 0xFF, 0xFF };

    private readonly ArrayBufferWriter<byte> _compressed = new(64 * 1024);
    private readonly MemoryStream _zlibOutput = new(64 * 1024);
    private byte[] _message = Array.Empty<byte>();
    private byte[] _ourWire = Array.Empty<byte>();
    private byte[] _zlibWire = Array.Empty<byte>();
    private byte[] _inflated = Array.Empty<byte>();
    private Deflater _deflater = null!;
    private Inflater _inflater = null!;

    /// <summary>Makes the message and both compressed forms, and checks each inflates back.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(11);
        string[] words = { "{\"type\":\"message\",", "\"from\":\"", "alice", "bob", "Zoë", "\",\"text\":\"", "hello", "see you at", "5", "ok", "👍", "\"}\n", " " };
        var text = new StringBuilder();
        while (text.Length < 20_000)
        {
            text.Append(words[random.Next(words.Length)]);
        }

        _message = Encoding.UTF8.GetBytes(text.ToString()).AsSpan(0, 16 * 1024).ToArray();
        _inflated = new byte[_message.Length];
        _deflater = new Deflater(15);
        _inflater = new Inflater(15);
        OursCompress();
        _ourWire = [.. _compressed.WrittenSpan, .. SyncFlushTail];
        ZlibCompress();
        _zlibWire = _zlibOutput.ToArray();
        if (OursInflate() != _message.Length || !_inflated.AsSpan().SequenceEqual(_message)
            || ZlibInflate() != _message.Length || !_inflated.AsSpan().SequenceEqual(_message))
        {
            throw new InvalidOperationException("A round trip came back wrong.");
        }
    }

    /// <summary>zlib at its fastest level, a new stream per message.</summary>
    [Benchmark(Baseline = true)]
    public long ZlibCompress()
    {
        _zlibOutput.SetLength(0);
        using (var deflate = new DeflateStream(_zlibOutput, CompressionLevel.Fastest, leaveOpen: true))
        {
            deflate.Write(_message);
        }

        return _zlibOutput.Length;
    }

    /// <summary>The library's compressor, history reset per message.</summary>
    [Benchmark]
    public int OursCompress()
    {
        _compressed.ResetWrittenCount();
        _deflater.Reset();
        _deflater.CompressMessage(_message, _compressed);
        return _compressed.WrittenCount;
    }

    /// <summary>zlib inflating its own output, a new stream per message.</summary>
    [Benchmark]
    public int ZlibInflate()
    {
        using var input = new MemoryStream(_zlibWire, writable: false);
        using var inflate = new DeflateStream(input, CompressionMode.Decompress);
        int total = 0;
        int read;
        while ((read = inflate.Read(_inflated, total, _inflated.Length - total)) > 0)
        {
            total += read;
        }

        return total;
    }

    /// <summary>The library's inflater on its own compressor's output.</summary>
    [Benchmark]
    public int OursInflate()
    {
        _inflater.Reset();
        _inflater.Inflate(_ourWire, _inflated, out _, out int written);
        return written;
    }
}
