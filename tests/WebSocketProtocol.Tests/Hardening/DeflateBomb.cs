using System;

namespace WebSocketProtocol.Tests.Hardening;

/// <summary>
/// A permessage-deflate payload of about 1 MiB that inflates to 1 GiB of zeros: one dynamic-Huffman DEFLATE block
/// (RFC 1951 section 3.2.7) whose codes are chosen so that a 258-byte match at distance 1 costs two bits, the format's
/// best ratio (1032:1). Written bit by bit here, so it needs no compressor and costs no 1 GiB of work to make.
/// </summary>
internal static class DeflateBomb
{
    /// <summary>The longest match DEFLATE can express (length symbol 285).</summary>
    private const int MatchLength = 258;

    /// <summary>
    /// The compressed payload inflating to at least <paramref name="inflatedLength"/> bytes, ending (as RFC 7692 section
    /// 7.2.1 wants) with an empty stored block whose <c>00 00 FF FF</c> is left off for the receiver to put back.
    /// </summary>
    public static byte[] Create(long inflatedLength, out long exactInflatedLength)
    {
        long matches = (inflatedLength - 1 + MatchLength - 1) / MatchLength;
        exactInflatedLength = 1 + (matches * MatchLength);
        var bits = new BitWriter(new byte[checked((int)((matches * 2 / 8) + 64))]);

        // Block header: not final, dynamic Huffman codes.
        bits.Write(0, 1);
        bits.Write(2, 2);

        // 286 literal/length codes (up to symbol 285), 2 distance codes, 18 code-length codes (up to the one for length 1).
        bits.Write(286 - 257, 5);
        bits.Write(2 - 1, 5);
        bits.Write(18 - 4, 4);

        // Code-length code lengths, in the order of section 3.2.7: symbol 18 (a run of zeros) gets 1 bit, symbols 1
        // and 2 get 2 bits each, so their canonical codes are 18 = 0, 1 = 10, 2 = 11.
        ReadOnlySpan<int> order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1];
        foreach (int symbol in order)
        {
            bits.Write(symbol switch { 18 => 1, 1 or 2 => 2, _ => 0 }, 3);
        }

        // Literal/length code lengths: literal 0 and end-of-block 256 get 2 bits, length 285 (258 bytes) gets 1 bit; the
        // 255 literals after 0 and the 28 lengths before 285 get none.
        bits.WriteCode(0b11, 2);
        WriteZeroRun(ref bits, 138);
        WriteZeroRun(ref bits, 117);
        bits.WriteCode(0b11, 2);
        WriteZeroRun(ref bits, 28);
        bits.WriteCode(0b10, 2);

        // Distance code lengths: codes 0 (distance 1) and 1 (distance 2), 1 bit each.
        bits.WriteCode(0b10, 2);
        bits.WriteCode(0b10, 2);

        // Canonical codes now: 285 = 0, literal 0 = 10, end-of-block = 11; distance 1 = 0. One literal zero, then each
        // match is "0" (258 bytes) and "0" (distance 1): two zero bits, which the zeroed buffer already holds.
        bits.WriteCode(0b10, 2);
        bits.Skip(matches * 2);
        bits.WriteCode(0b11, 2);

        // The sync flush's empty stored block (not final, type 00), aligned; its LEN/NLEN (00 00 FF FF) are left off.
        bits.Write(0, 3);
        return bits.ToArray();
    }

    /// <summary>A run of <paramref name="count"/> zero lengths (11 to 138): symbol 18, then count - 11 in 7 bits.</summary>
    private static void WriteZeroRun(ref BitWriter bits, int count)
    {
        bits.WriteCode(0b0, 1);
        bits.Write(count - 11, 7);
    }

    /// <summary>DEFLATE's bit order: values least significant bit first, Huffman codes most significant bit first.</summary>
    private ref struct BitWriter
    {
        private readonly byte[] _buffer;
        private long _position;

        public BitWriter(byte[] buffer)
        {
            _buffer = buffer;
            _position = 0;
        }

        public void Write(int value, int count)
        {
            for (int i = 0; i < count; i++)
            {
                WriteBit((value >> i) & 1);
            }
        }

        public void WriteCode(int code, int length)
        {
            for (int i = length - 1; i >= 0; i--)
            {
                WriteBit((code >> i) & 1);
            }
        }

        public void Skip(long zeroBits) => _position += zeroBits;

        public readonly byte[] ToArray() => _buffer.AsSpan(0, (int)((_position + 7) / 8)).ToArray();

        private void WriteBit(int bit)
        {
            _buffer[_position >> 3] |= (byte)(bit << (int)(_position & 7));
            _position++;
        }
    }
}
