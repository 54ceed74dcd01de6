using System;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using WebSocketProtocol.Framing;

namespace WebSocketProtocol.Benchmarks;

/// <summary>
/// In-place XOR masking: <see cref="PayloadMask.Apply(Span{byte}, uint, int)"/> against a plain byte loop (the
/// baseline) and against the straightforward vector loop this CPU runs best (Vector512 when accelerated, else Vector256),
/// which is the ceiling the issue measures <see cref="PayloadMask"/> by.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(FramingBenchmarkConfig))]
public class UnmaskBenchmarks
{
    private static readonly byte[] Key = { 0x37, 0xFA, 0x21, 0x3D };

    private byte[] _data = Array.Empty<byte>();
    private uint _maskKey;
    private uint _keyInMemoryOrder;

    /// <summary>The payload length in bytes.</summary>
    [Params(16, 1024, 65536)]
    public int Size { get; set; }

    /// <summary>Fills the payload and checks that the three loops agree.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _maskKey = BinaryPrimitives.ReadUInt32BigEndian(Key);
        _keyInMemoryOrder = MemoryMarshal.Read<uint>(Key);
        _data = new byte[Size];
        new Random(42).NextBytes(_data);

        // Each loop masks in place, so each must turn the same input into the same output.
        byte[] original = (byte[])_data.Clone();
        ByteLoop();
        byte[] expected = (byte[])_data.Clone();
        original.CopyTo(_data, 0);
        PayloadMaskApply();
        bool payloadMaskAgrees = _data.AsSpan().SequenceEqual(expected);
        original.CopyTo(_data, 0);
        VectorLoop();
        bool vectorLoopAgrees = _data.AsSpan().SequenceEqual(expected);
        original.CopyTo(_data, 0);
        if (!payloadMaskAgrees || !vectorLoopAgrees)
        {
            throw new InvalidOperationException("The masking loops disagree.");
        }
    }

    /// <summary>One byte at a time: <c>data[i] ^= key[i &amp; 3]</c>.</summary>
    [Benchmark(Baseline = true)]
    public void ByteLoop()
    {
        byte[] data = _data;
        byte[] key = Key;
        for (int i = 0; i < data.Length; i++)
        {
            data[i] ^= key[i & 3];
        }
    }

    /// <summary>The library's masking.</summary>
    [Benchmark]
    public int PayloadMaskApply() => PayloadMask.Apply(_data, _maskKey, 0);

    /// <summary>The widest accelerated vector XORed in place with a constant key vector, then a scalar tail.</summary>
    [Benchmark]
    public void VectorLoop()
    {
        byte[] data = _data;
        byte[] key = Key;
        ref byte start = ref MemoryMarshal.GetArrayDataReference(data);
        nuint length = (nuint)data.Length;
        nuint i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<byte> mask = Vector512.Create(_keyInMemoryOrder).AsByte();
            for (; i + (nuint)Vector512<byte>.Count <= length; i += (nuint)Vector512<byte>.Count)
            {
                (Vector512.LoadUnsafe(ref start, i) ^ mask).StoreUnsafe(ref start, i);
            }
        }
        else
        {
            Vector256<byte> mask = Vector256.Create(_keyInMemoryOrder).AsByte();
            for (; i + (nuint)Vector256<byte>.Count <= length; i += (nuint)Vector256<byte>.Count)
            {
                (Vector256.LoadUnsafe(ref start, i) ^ mask).StoreUnsafe(ref start, i);
            }
        }

        // Vectors are a multiple of 4 bytes long, so the tail's key phase is its index mod 4.
        for (int j = (int)i; j < data.Length; j++)
        {
            data[j] ^= key[j & 3];
        }
    }
}
