using System;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
#if NET8_0_OR_GREATER
using System.Runtime.Intrinsics;
#endif

namespace WebSocketProtocol.Framing;

/// <summary>
/// The XOR masking of RFC 6455 section 5.3, vectorised where the CPU allows. Every call takes the offset of its first byte
/// within the payload and returns the offset after its last, so a payload masked in pieces matches one masked whole.
/// </summary>
public static class PayloadMask
{
    /// <summary>Masks or unmasks <paramref name="buffer"/> in place; returns the next mask offset (0-3).</summary>
    /// <param name="buffer">Bytes to transform; the caller must own them.</param>
    /// <param name="maskKey">The masking key, big-endian as in <see cref="FrameHeader.MaskKey"/>.</param>
    /// <param name="maskOffset">The position of <paramref name="buffer"/>'s first byte within the payload (only its value mod 4 matters).</param>
    public static int Apply(Span<byte> buffer, uint maskKey, int maskOffset) =>
        Apply(buffer, buffer, maskKey, maskOffset);

    /// <summary>Writes <paramref name="source"/> masked (or unmasked) into <paramref name="destination"/>; returns the next mask offset (0-3).</summary>
    /// <param name="source">Bytes to transform; left untouched unless it is <paramref name="destination"/> itself.</param>
    /// <param name="destination">At least as long as <paramref name="source"/>; may be the same memory, but must not otherwise overlap it.</param>
    /// <param name="maskKey">The masking key, big-endian as in <see cref="FrameHeader.MaskKey"/>.</param>
    /// <param name="maskOffset">The position of <paramref name="source"/>'s first byte within the payload (only its value mod 4 matters).</param>
    public static int Apply(ReadOnlySpan<byte> source, Span<byte> destination, uint maskKey, int maskOffset) =>
        Apply(source, destination, maskKey, maskOffset, useVectors: true);

    /// <summary>The path netstandard2.0 takes everywhere: 8 bytes at a time, no vectors. Tests hold it equal to <see cref="Apply(ReadOnlySpan{byte}, Span{byte}, uint, int)"/>.</summary>
    internal static int ApplyScalar(ReadOnlySpan<byte> source, Span<byte> destination, uint maskKey, int maskOffset) =>
        Apply(source, destination, maskKey, maskOffset, useVectors: false);

    private static int Apply(ReadOnlySpan<byte> source, Span<byte> destination, uint maskKey, int maskOffset, bool useVectors)
    {
        if (destination.Length < source.Length)
        {
            ThrowHelper.ThrowArgument(nameof(destination), "The destination is shorter than the source.");
        }

        int length = source.Length;
        int phase = maskOffset & 3;
        if (length == 0)
        {
            return phase;
        }

        // Lay the key out as it sits in memory, starting at the byte this call's first byte is masked with,
        // so that reading any aligned run of 4 bytes natively and XORing with `rotated` masks it correctly.
        uint inMemory = BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(maskKey) : maskKey;
        uint rotated = BitConverter.IsLittleEndian ? RotateRight(inMemory, phase * 8) : RotateLeft(inMemory, phase * 8);

        ref byte src = ref MemoryMarshal.GetReference(source);
        ref byte dst = ref MemoryMarshal.GetReference(destination);
        int i = 0;

#if NET8_0_OR_GREATER
        if (useVectors && length >= Vector128<byte>.Count && Vector128.IsHardwareAccelerated)
        {
            i = ApplyVectorized(ref src, ref dst, length, rotated);
        }
#endif

        ulong wide = rotated | ((ulong)rotated << 32);
        for (; i <= length - sizeof(ulong); i += sizeof(ulong))
        {
            ulong value = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref src, i)) ^ wide;
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref dst, i), value);
        }

        if (i <= length - sizeof(uint))
        {
            uint value = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref src, i)) ^ rotated;
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref dst, i), value);
            i += sizeof(uint);
        }

        // Every step above is a multiple of 4 bytes, so the tail starts at key byte 0 of `rotated`.
        for (int k = 0; i < length; i++, k++)
        {
            int shift = BitConverter.IsLittleEndian ? k * 8 : 24 - (k * 8);
            Unsafe.Add(ref dst, i) = (byte)(Unsafe.Add(ref src, i) ^ (byte)(rotated >> shift));
        }

        return (phase + length) & 3;
    }

#if NET8_0_OR_GREATER
    /// <summary>XORs whole vectors and returns how many bytes it did; the widest accelerated width goes first.</summary>
    private static int ApplyVectorized(ref byte src, ref byte dst, int length, uint rotated)
    {
        nuint i = 0;
        nuint end = (nuint)length;
        if (Vector512.IsHardwareAccelerated && length >= Vector512<byte>.Count)
        {
            Vector512<byte> mask = Vector512.Create(rotated).AsByte();
            for (; i + (nuint)Vector512<byte>.Count <= end; i += (nuint)Vector512<byte>.Count)
            {
                (Vector512.LoadUnsafe(ref src, i) ^ mask).StoreUnsafe(ref dst, i);
            }
        }
        else if (Vector256.IsHardwareAccelerated && length >= Vector256<byte>.Count)
        {
            Vector256<byte> mask = Vector256.Create(rotated).AsByte();
            // Two vectors per step keep both load ports busy on long payloads.
            for (; i + (nuint)(2 * Vector256<byte>.Count) <= end; i += (nuint)(2 * Vector256<byte>.Count))
            {
                Vector256<byte> a = Vector256.LoadUnsafe(ref src, i);
                Vector256<byte> b = Vector256.LoadUnsafe(ref src, i + (nuint)Vector256<byte>.Count);
                (a ^ mask).StoreUnsafe(ref dst, i);
                (b ^ mask).StoreUnsafe(ref dst, i + (nuint)Vector256<byte>.Count);
            }

            if (i + (nuint)Vector256<byte>.Count <= end)
            {
                (Vector256.LoadUnsafe(ref src, i) ^ mask).StoreUnsafe(ref dst, i);
                i += (nuint)Vector256<byte>.Count;
            }
        }

        if (i + (nuint)Vector128<byte>.Count <= end)
        {
            Vector128<byte> mask = Vector128.Create(rotated).AsByte();
            for (; i + (nuint)Vector128<byte>.Count <= end; i += (nuint)Vector128<byte>.Count)
            {
                (Vector128.LoadUnsafe(ref src, i) ^ mask).StoreUnsafe(ref dst, i);
            }
        }

        return (int)i;
    }
#endif

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint RotateRight(uint value, int bits) => (value >> bits) | (value << ((32 - bits) & 31));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint RotateLeft(uint value, int bits) => (value << bits) | (value >> ((32 - bits) & 31));
}
