using System;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using WebSocketProtocol.Handshake;

namespace WebSocketProtocol.Benchmarks;

/// <summary>
/// The one hash a server handshake computes: SHA-1 of the 24-byte key and the 36-byte GUID. The library's own
/// implementation against the platform's one-shot <see cref="SHA1.HashData(ReadOnlySpan{byte}, Span{byte})"/>.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(FramingBenchmarkConfig))]
public class Sha1Benchmarks
{
    private readonly byte[] _input = new byte[60];
    private readonly byte[] _digest = new byte[20];

    /// <summary>Fills the input.</summary>
    [GlobalSetup]
    public void Setup() => new Random(3).NextBytes(_input);

    /// <summary>The platform's SHA-1 (OpenSSL on Linux).</summary>
    [Benchmark(Baseline = true)]
    public byte Platform()
    {
        SHA1.HashData(_input, _digest);
        return _digest[0];
    }

    /// <summary>The library's SHA-1.</summary>
    [Benchmark]
    public byte Library()
    {
        Sha1.Hash(_input, _digest);
        return _digest[0];
    }
}
