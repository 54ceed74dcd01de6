using System;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace WebSocketProtocol.Handshake;

/// <summary>
/// SHA-1 (FIPS 180-4 section 6.1) over a span into a span, for the one hash the handshake needs. The handshake hashes 60
/// bytes per connection; a platform hash call costs more in setup than in hashing at that size (on Linux it goes through
/// OpenSSL), and netstandard2.0's only API allocates. SHA-1 here is a fingerprint the RFC fixes, not a security boundary.
/// </summary>
internal static class Sha1
{
    public const int DigestLength = 20;

    private const int BlockLength = 64;

    /// <summary>Hashes <paramref name="input"/> into the first 20 bytes of <paramref name="digest"/>.</summary>
    public static void Hash(ReadOnlySpan<byte> input, Span<byte> digest)
    {
        if (digest.Length < DigestLength)
        {
            ThrowHelper.ThrowArgument(nameof(digest), "The digest needs 20 bytes.");
        }

        Span<uint> state = stackalloc uint[5] { 0x67452301u, 0xEFCDAB89u, 0x98BADCFEu, 0x10325476u, 0xC3D2E1F0u };
        Span<uint> schedule = stackalloc uint[80];
        int whole = input.Length - (input.Length % BlockLength);
        for (int offset = 0; offset < whole; offset += BlockLength)
        {
            Compress(state, schedule, input.Slice(offset, BlockLength));
        }

        // Padding (section 5.1.1): a 1 bit, zeros, and the length in bits as a big-endian 64-bit number; one or two blocks.
        Span<byte> tail = stackalloc byte[2 * BlockLength];
        tail.Clear();
        ReadOnlySpan<byte> rest = input.Slice(whole);
        rest.CopyTo(tail);
        tail[rest.Length] = 0x80;
        int tailLength = rest.Length + 1 + 8 <= BlockLength ? BlockLength : 2 * BlockLength;
        BinaryPrimitives.WriteUInt64BigEndian(tail.Slice(tailLength - 8), (ulong)input.Length * 8);
        for (int offset = 0; offset < tailLength; offset += BlockLength)
        {
            Compress(state, schedule, tail.Slice(offset, BlockLength));
        }

        for (int i = 0; i < 5; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(digest.Slice(4 * i), state[i]);
        }
    }

    /// <summary>Section 6.1.2: one 512-bit block into the state.</summary>
    private static void Compress(Span<uint> state, Span<uint> w, ReadOnlySpan<byte> block)
    {
        for (int t = 0; t < 16; t++)
        {
            w[t] = BinaryPrimitives.ReadUInt32BigEndian(block.Slice(4 * t));
        }

        for (int t = 16; t < 80; t++)
        {
            w[t] = RotateLeft(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
        }

        // Five rounds per step with the variables renamed in place of the shuffle of section 6.1.2, step 3 d.
        uint a = state[0], b = state[1], c = state[2], d = state[3], e = state[4];
        for (int t = 0; t < 20; t += 5)
        {
            e += RotateLeft(a, 5) + Choose(b, c, d) + 0x5A827999u + w[t];
            b = RotateLeft(b, 30);
            d += RotateLeft(e, 5) + Choose(a, b, c) + 0x5A827999u + w[t + 1];
            a = RotateLeft(a, 30);
            c += RotateLeft(d, 5) + Choose(e, a, b) + 0x5A827999u + w[t + 2];
            e = RotateLeft(e, 30);
            b += RotateLeft(c, 5) + Choose(d, e, a) + 0x5A827999u + w[t + 3];
            d = RotateLeft(d, 30);
            a += RotateLeft(b, 5) + Choose(c, d, e) + 0x5A827999u + w[t + 4];
            c = RotateLeft(c, 30);
        }

        for (int t = 20; t < 40; t += 5)
        {
            e += RotateLeft(a, 5) + (b ^ c ^ d) + 0x6ED9EBA1u + w[t];
            b = RotateLeft(b, 30);
            d += RotateLeft(e, 5) + (a ^ b ^ c) + 0x6ED9EBA1u + w[t + 1];
            a = RotateLeft(a, 30);
            c += RotateLeft(d, 5) + (e ^ a ^ b) + 0x6ED9EBA1u + w[t + 2];
            e = RotateLeft(e, 30);
            b += RotateLeft(c, 5) + (d ^ e ^ a) + 0x6ED9EBA1u + w[t + 3];
            d = RotateLeft(d, 30);
            a += RotateLeft(b, 5) + (c ^ d ^ e) + 0x6ED9EBA1u + w[t + 4];
            c = RotateLeft(c, 30);
        }

        for (int t = 40; t < 60; t += 5)
        {
            e += RotateLeft(a, 5) + Majority(b, c, d) + 0x8F1BBCDCu + w[t];
            b = RotateLeft(b, 30);
            d += RotateLeft(e, 5) + Majority(a, b, c) + 0x8F1BBCDCu + w[t + 1];
            a = RotateLeft(a, 30);
            c += RotateLeft(d, 5) + Majority(e, a, b) + 0x8F1BBCDCu + w[t + 2];
            e = RotateLeft(e, 30);
            b += RotateLeft(c, 5) + Majority(d, e, a) + 0x8F1BBCDCu + w[t + 3];
            d = RotateLeft(d, 30);
            a += RotateLeft(b, 5) + Majority(c, d, e) + 0x8F1BBCDCu + w[t + 4];
            c = RotateLeft(c, 30);
        }

        for (int t = 60; t < 80; t += 5)
        {
            e += RotateLeft(a, 5) + (b ^ c ^ d) + 0xCA62C1D6u + w[t];
            b = RotateLeft(b, 30);
            d += RotateLeft(e, 5) + (a ^ b ^ c) + 0xCA62C1D6u + w[t + 1];
            a = RotateLeft(a, 30);
            c += RotateLeft(d, 5) + (e ^ a ^ b) + 0xCA62C1D6u + w[t + 2];
            e = RotateLeft(e, 30);
            b += RotateLeft(c, 5) + (d ^ e ^ a) + 0xCA62C1D6u + w[t + 3];
            d = RotateLeft(d, 30);
            a += RotateLeft(b, 5) + (c ^ d ^ e) + 0xCA62C1D6u + w[t + 4];
            c = RotateLeft(c, 30);
        }

        state[0] += a;
        state[1] += b;
        state[2] += c;
        state[3] += d;
        state[4] += e;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Choose(uint x, uint y, uint z) => z ^ (x & (y ^ z));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Majority(uint x, uint y, uint z) => (x & y) | (z & (x | y));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint RotateLeft(uint value, int count) => (value << count) | (value >> (32 - count));
}
