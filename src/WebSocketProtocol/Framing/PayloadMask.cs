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
        Apply(source, destination, maskKey, maskOffset, useVectors: true, out _);

    /// <summary>
    /// As <see cref="Apply(ReadOnlySpan{byte}, Span{byte}, uint, int)"/>, and tells whether every unmasked byte is ASCII: a
    /// text payload that is can skip UTF-8 validation, found in the same pass over the bytes.
    /// </summary>
    internal static int ApplyAndCheckAscii(ReadOnlySpan<byte> source, Span<byte> destination, uint maskKey, int maskOffset, out bool isAscii) =>
        Apply(source, destination, maskKey, maskOffset, useVectors: true, out isAscii);

    /// <summary>The path netstandard2.0 takes everywhere: 8 bytes at a time, no vectors. Tests hold it equal to <see cref="Apply(ReadOnlySpan{byte}, Span{byte}, uint, int)"/>.</summary>
    internal static int ApplyScalar(ReadOnlySpan<byte> source, Span<byte> destination, uint maskKey, int maskOffset) =>
        Apply(source, destination, maskKey, maskOffset, useVectors: false, out _);

    private static int Apply(ReadOnlySpan<byte> source, Span<byte> destination, uint maskKey, int maskOffset, bool useVectors, out bool isAscii)
    {
        if (destination.Length < source.Length)
        {
            ThrowHelper.ThrowArgument(nameof(destination), "The destination is shorter than the source.");
        }

        int length = source.Length;
        int phase = maskOffset & 3;
        isAscii = true;
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

        // Every unmasked byte ORed together: its top bit says whether any byte was non-ASCII. One more operation per
        // vector, on data already in registers.
        ulong seen = 0;

#if NET8_0_OR_GREATER
        if (useVectors && length >= Vector128<byte>.Count && Vector128.IsHardwareAccelerated)
        {
            i = ApplyVectorized(ref src, ref dst, length, rotated, out seen);
        }
#endif

        ulong wide = rotated | ((ulong)rotated << 32);
        for (; i <= length - sizeof(ulong); i += sizeof(ulong))
        {
            ulong value = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref src, i)) ^ wide;
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref dst, i), value);
            seen |= value;
        }

        if (i <= length - sizeof(uint))
        {
            uint value = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref src, i)) ^ rotated;
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref dst, i), value);
            seen |= value;
            i += sizeof(uint);
        }

        // Every step above is a multiple of 4 bytes, so the tail starts at key byte 0 of `rotated`.
        for (int k = 0; i < length; i++, k++)
        {
            int shift = BitConverter.IsLittleEndian ? k * 8 : 24 - (k * 8);
            byte value = (byte)(Unsafe.Add(ref src, i) ^ (byte)(rotated >> shift));
            Unsafe.Add(ref dst, i) = value;
            seen |= value;
        }

        isAscii = (seen & 0x8080_8080_8080_8080UL) == 0;
        return (phase + length) & 3;
    }

#if NET8_0_OR_GREATER
    /// <summary>
    /// XORs whole vectors and returns how many bytes it did; the widest accelerated width goes first. <paramref name="seen"/>
    /// gets every written byte ORed in, folded to 64 bits.
    /// </summary>
    private static int ApplyVectorized(ref byte src, ref byte dst, int length, uint rotated, out ulong seen)
    {
        nuint i = 0;
        nuint end = (nuint)length;
        Vector128<byte> seen128 = Vector128<byte>.Zero;
        if (Vector512.IsHardwareAccelerated && length >= Vector512<byte>.Count)
        {
            Vector512<byte> mask = Vector512.Create(rotated).AsByte();
            Vector512<byte> seen512 = Vector512<byte>.Zero;
            for (; i + (nuint)Vector512<byte>.Count <= end; i += (nuint)Vector512<byte>.Count)
            {
                Vector512<byte> value = Vector512.LoadUnsafe(ref src, i) ^ mask;
                value.StoreUnsafe(ref dst, i);
                seen512 |= value;
            }

            seen128 = seen512.GetLower().GetLower() | seen512.GetLower().GetUpper() | seen512.GetUpper().GetLower() | seen512.GetUpper().GetUpper();
        }
        else if (Vector256.IsHardwareAccelerated && length >= Vector256<byte>.Count)
        {
            Vector256<byte> mask = Vector256.Create(rotated).AsByte();
            Vector256<byte> seen256 = Vector256<byte>.Zero;

            // Two vectors per step keep both load ports busy on long payloads.
            for (; i + (nuint)(2 * Vector256<byte>.Count) <= end; i += (nuint)(2 * Vector256<byte>.Count))
            {
                Vector256<byte> a = Vector256.LoadUnsafe(ref src, i) ^ mask;
                Vector256<byte> b = Vector256.LoadUnsafe(ref src, i + (nuint)Vector256<byte>.Count) ^ mask;
                a.StoreUnsafe(ref dst, i);
                b.StoreUnsafe(ref dst, i + (nuint)Vector256<byte>.Count);
                seen256 |= a | b;
            }

            if (i + (nuint)Vector256<byte>.Count <= end)
            {
                Vector256<byte> value = Vector256.LoadUnsafe(ref src, i) ^ mask;
                value.StoreUnsafe(ref dst, i);
                seen256 |= value;
                i += (nuint)Vector256<byte>.Count;
            }

            seen128 = seen256.GetLower() | seen256.GetUpper();
        }

        if (i + (nuint)Vector128<byte>.Count <= end)
        {
            Vector128<byte> mask = Vector128.Create(rotated).AsByte();
            for (; i + (nuint)Vector128<byte>.Count <= end; i += (nuint)Vector128<byte>.Count)
            {
                Vector128<byte> value = Vector128.LoadUnsafe(ref src, i) ^ mask;
                value.StoreUnsafe(ref dst, i);
                seen128 |= value;
            }
        }

        Vector128<ulong> folded = seen128.AsUInt64();
        seen = folded.GetElement(0) | folded.GetElement(1);
        return (int)i;
    }
#endif

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint RotateRight(uint value, int bits) => (value >> bits) | (value << ((32 - bits) & 31));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint RotateLeft(uint value, int bits) => (value << bits) | (value >> ((32 - bits) & 31));
}
