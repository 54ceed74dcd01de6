#if NET8_0_OR_GREATER
using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace WebSocketProtocol.Text;

/// <summary>
/// Whole-run UTF-8 validation 32 bytes at a time with AVX2, after the lookup-table method of Keiser and Lemire
/// ("Validating UTF-8 In Less Than One Instruction Per Byte", 2021): every error shows up in how a byte's high nibble
/// relates to the previous byte's nibbles, so three 16-entry table lookups and an AND classify a whole block, and
/// third and fourth bytes are checked with two saturating subtractions. The platform validator handles the rest.
/// </summary>
internal static class Utf8SimdValidator
{
    // Error classes: a pair of bytes is invalid when all three lookups agree on one of these bits.
    private const byte TooShort = 1 << 0;    // a lead byte followed by a lead byte or ASCII
    private const byte TooLong = 1 << 1;     // ASCII followed by a continuation
    private const byte Overlong3 = 1 << 2;   // E0 followed by 80..9F
    private const byte TooLarge = 1 << 3;    // F4 followed by 90..BF, or F5..FF followed by 90..BF
    private const byte Surrogate = 1 << 4;   // ED followed by A0..BF
    private const byte Overlong2 = 1 << 5;   // C0 or C1 followed by a continuation
    private const byte TooLarge1000 = 1 << 6; // F5..FF followed by 80..8F
    private const byte Overlong4 = 1 << 6;   // F0 followed by 80..8F
    private const byte TwoConts = 1 << 7;    // a continuation followed by a continuation (valid only as a third or fourth byte)
    private const byte Carry = TooShort | TooLong | TwoConts;

    /// <summary>Whether this machine runs the vector path; otherwise <see cref="IsValid"/> is the platform validator.</summary>
    public static bool IsAccelerated => Avx2.IsSupported;

    /// <summary>Whether <paramref name="bytes"/> is valid UTF-8 ending on a whole code point.</summary>
    public static bool IsValid(ReadOnlySpan<byte> bytes)
    {
        if (!Avx2.IsSupported || bytes.Length < 2 * Vector256<byte>.Count)
        {
            return System.Text.Unicode.Utf8.IsValid(bytes);
        }

        int blocks = bytes.Length / Vector256<byte>.Count;
        if (!BlocksAreValid(bytes, blocks))
        {
            return false;
        }

        // A code point may straddle the last block's end: finish from its lead byte with the platform validator.
        int end = blocks * Vector256<byte>.Count;
        return System.Text.Unicode.Utf8.IsValid(bytes.Slice(end - Utf8Validator.IncompleteTailLength(bytes.Slice(0, end))));
    }

    private static bool BlocksAreValid(ReadOnlySpan<byte> bytes, int blocks)
    {
        Vector256<byte> byte1HighTable = Duplicate(
            TooLong, TooLong, TooLong, TooLong, TooLong, TooLong, TooLong, TooLong,
            TwoConts, TwoConts, TwoConts, TwoConts,
            TooShort | Overlong2,
            TooShort,
            TooShort | Overlong3 | Surrogate,
            TooShort | TooLarge | TooLarge1000 | Overlong4);
        Vector256<byte> byte1LowTable = Duplicate(
            Carry | Overlong3 | Overlong2 | Overlong4,
            Carry | Overlong2,
            Carry,
            Carry,
            Carry | TooLarge,
            Carry | TooLarge | TooLarge1000,
            Carry | TooLarge | TooLarge1000,
            Carry | TooLarge | TooLarge1000,
            Carry | TooLarge | TooLarge1000,
            Carry | TooLarge | TooLarge1000,
            Carry | TooLarge | TooLarge1000,
            Carry | TooLarge | TooLarge1000,
            Carry | TooLarge | TooLarge1000,
            Carry | TooLarge | TooLarge1000 | Surrogate,
            Carry | TooLarge | TooLarge1000,
            Carry | TooLarge | TooLarge1000);
        Vector256<byte> byte2HighTable = Duplicate(
            TooShort, TooShort, TooShort, TooShort, TooShort, TooShort, TooShort, TooShort,
            TooLong | Overlong2 | TwoConts | Overlong3 | TooLarge1000 | Overlong4,
            TooLong | Overlong2 | TwoConts | Overlong3 | TooLarge,
            TooLong | Overlong2 | TwoConts | Surrogate | TooLarge,
            TooLong | Overlong2 | TwoConts | Surrogate | TooLarge,
            TooShort, TooShort, TooShort, TooShort);

        // Bytes that leave a code point unfinished at a block's end: a lead byte among the last one to three.
        Vector256<byte> incompleteLimit = Vector256.Create(
            (byte)0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
            0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xEF, 0xDF, 0xBF);
        Vector256<byte> lowNibble = Vector256.Create((byte)0x0F);
        Vector256<byte> highBit = Vector256.Create((byte)0x80);
        Vector256<byte> thirdByteBias = Vector256.Create((byte)(0xE0 - 0x80));
        Vector256<byte> fourthByteBias = Vector256.Create((byte)(0xF0 - 0x80));

        ref byte start = ref MemoryMarshal.GetReference(bytes);
        Vector256<byte> previous = Vector256<byte>.Zero;
        Vector256<byte> previousIncomplete = Vector256<byte>.Zero;
        Vector256<byte> error = Vector256<byte>.Zero;
        for (int block = 0; block < blocks; block++)
        {
            nuint offset = (nuint)(block * Vector256<byte>.Count);
            if (block + 4 <= blocks)
            {
                // Text is mostly ASCII: test four blocks with one branch, and skip them together when they are.
                Vector256<byte> last = Vector256.LoadUnsafe(ref start, offset + 96);
                Vector256<byte> any = Vector256.LoadUnsafe(ref start, offset)
                    | Vector256.LoadUnsafe(ref start, offset + 32)
                    | Vector256.LoadUnsafe(ref start, offset + 64)
                    | last;
                if ((any & highBit) == Vector256<byte>.Zero)
                {
                    error |= previousIncomplete;
                    previousIncomplete = Vector256<byte>.Zero;
                    previous = last;
                    block += 3;
                    continue;
                }
            }

            Vector256<byte> input = Vector256.LoadUnsafe(ref start, offset);
            if ((input & highBit) == Vector256<byte>.Zero)
            {
                // All ASCII: only a code point left open by the previous block can be wrong here.
                error |= previousIncomplete;
                previousIncomplete = Vector256<byte>.Zero;
                previous = input;
                continue;
            }

            // The previous one, two and three bytes for every position, reaching back into the previous block.
            Vector256<byte> carried = Avx2.Permute2x128(previous, input, 0x21);
            Vector256<byte> previous1 = Avx2.AlignRight(input, carried, 16 - 1);
            Vector256<byte> previous2 = Avx2.AlignRight(input, carried, 16 - 2);
            Vector256<byte> previous3 = Avx2.AlignRight(input, carried, 16 - 3);

            Vector256<byte> specialCases =
                Avx2.Shuffle(byte1HighTable, HighNibbles(previous1, lowNibble))
                & Avx2.Shuffle(byte1LowTable, previous1 & lowNibble)
                & Avx2.Shuffle(byte2HighTable, HighNibbles(input, lowNibble));

            // A continuation after a continuation is right exactly where a three- or four-byte lead came two or three back.
            Vector256<byte> mustContinue = (Avx2.SubtractSaturate(previous2, thirdByteBias) | Avx2.SubtractSaturate(previous3, fourthByteBias)) & highBit;
            error |= mustContinue ^ specialCases;
            previousIncomplete = Avx2.SubtractSaturate(input, incompleteLimit);
            previous = input;
        }

        return error == Vector256<byte>.Zero;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> HighNibbles(Vector256<byte> bytes, Vector256<byte> lowNibble) =>
        Vector256.ShiftRightLogical(bytes.AsUInt16(), 4).AsByte() & lowNibble;

    /// <summary>A 16-entry table in both 128-bit lanes, since the byte shuffle looks up within each lane.</summary>
    private static Vector256<byte> Duplicate(
        byte e0, byte e1, byte e2, byte e3, byte e4, byte e5, byte e6, byte e7,
        byte e8, byte e9, byte e10, byte e11, byte e12, byte e13, byte e14, byte e15)
    {
        Vector128<byte> table = Vector128.Create(e0, e1, e2, e3, e4, e5, e6, e7, e8, e9, e10, e11, e12, e13, e14, e15);
        return Vector256.Create(table, table);
    }
}
#endif
