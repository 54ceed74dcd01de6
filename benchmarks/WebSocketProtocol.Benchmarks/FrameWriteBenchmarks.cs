using System;
using System.Buffers;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using WebSocketProtocol.Framing;

namespace WebSocketProtocol.Benchmarks;

/// <summary>
/// <see cref="FrameWriter.WriteFrame"/> of binary frames into a reused <see cref="ArrayBufferWriter{T}"/>, per payload
/// size; within each size the server (unmasked) write is the baseline, so the client's Ratio is the cost of masking
/// (a fresh CSPRNG key per frame plus the masked copy). <see cref="FrameWriter.WritePrepared"/> is compared with the
/// 1 KiB server write.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(FramingBenchmarkConfig))]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class FrameWriteBenchmarks
{
    private const string Size16 = "16 B";
    private const string Size1K = "1 KiB";
    private const string Size64K = "64 KiB";

    private readonly ArrayBufferWriter<byte> _output = new(FrameHeader.MaxEncodedLength + (64 * 1024));
    private byte[] _payload16 = Array.Empty<byte>();
    private byte[] _payload1K = Array.Empty<byte>();
    private byte[] _payload64K = Array.Empty<byte>();
    private FrameWriter _server = null!;
    private FrameWriter _client = null!;
    private PreparedFrame _prepared1K = null!;

    /// <summary>Creates the payloads, the writers and the prepared frame.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _payload16 = new byte[16];
        _payload1K = new byte[1024];
        _payload64K = new byte[64 * 1024];
        random.NextBytes(_payload16);
        random.NextBytes(_payload1K);
        random.NextBytes(_payload64K);
        _server = new FrameWriter(_output, WebSocketRole.Server);
        _client = new FrameWriter(_output, WebSocketRole.Client);
        _prepared1K = new PreparedFrame(Opcode.Binary, _payload1K);

        if (Server1K() != 4 + 1024 || Client1K() != 8 + 1024 || Prepared1K() != 4 + 1024 || Client64K() != 14 + (64 * 1024))
        {
            throw new InvalidOperationException("Unexpected frame length.");
        }
    }

    /// <summary>Server, 16 B.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory(Size16)]
    public int Server16() => Write(_server, _payload16);

    /// <summary>Client (masked), 16 B.</summary>
    [Benchmark]
    [BenchmarkCategory(Size16)]
    public int Client16() => Write(_client, _payload16);

    /// <summary>Server, 1 KiB.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory(Size1K)]
    public int Server1K() => Write(_server, _payload1K);

    /// <summary>Client (masked), 1 KiB.</summary>
    [Benchmark]
    [BenchmarkCategory(Size1K)]
    public int Client1K() => Write(_client, _payload1K);

    /// <summary>Server, a 1 KiB <see cref="PreparedFrame"/>.</summary>
    [Benchmark]
    [BenchmarkCategory(Size1K)]
    public int Prepared1K()
    {
        _output.ResetWrittenCount();
        _server.WritePrepared(_prepared1K);
        return _output.WrittenCount;
    }

    /// <summary>Server, 64 KiB.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory(Size64K)]
    public int Server64K() => Write(_server, _payload64K);

    /// <summary>Client (masked), 64 KiB.</summary>
    [Benchmark]
    [BenchmarkCategory(Size64K)]
    public int Client64K() => Write(_client, _payload64K);

    private int Write(FrameWriter writer, byte[] payload)
    {
        _output.ResetWrittenCount();
        writer.WriteFrame(Opcode.Binary, payload);
        return _output.WrittenCount;
    }
}
