using System;

namespace WebSocketProtocol.Extensions.Deflate;

/// <summary>
/// A canonical Huffman code of DEFLATE (RFC 1951 section 3.2.2) for decoding: codes of up to 9 bits are found with one
/// table lookup on the next 9 input bits; longer ones are walked bit by bit through the counts of each length.
/// </summary>
internal sealed class HuffmanTable
{
    /// <summary>Returned by <see cref="Peek"/> when the buffered bits do not yet determine a code.</summary>
    public const int NeedMoreBits = -2;

    /// <summary>Returned by <see cref="Peek"/> for a bit pattern no code has.</summary>
    public const int Invalid = -1;

    private const int MaxCodeLength = 15;
    private const int PrimaryBits = 9;
    private const int LengthShift = 9;

    // Entry: symbol | length << 9 for codes of up to 9 bits (0: look further).
    private readonly ushort[] _primary = new ushort[1 << PrimaryBits];
    private readonly short[] _counts = new short[MaxCodeLength + 1];
    private readonly short[] _offsets = new short[MaxCodeLength + 2];
    private readonly short[] _symbols;

    public HuffmanTable(int maxSymbols) => _symbols = new short[maxSymbols];

    /// <summary>Builds the code from each symbol's code length (0: unused). False when the lengths over-subscribe the code space.</summary>
    public bool TryBuild(ReadOnlySpan<byte> lengths)
    {
        Array.Clear(_counts, 0, _counts.Length);
        foreach (byte length in lengths)
        {
            _counts[length]++;
        }

        _counts[0] = 0;
        int left = 1;
        for (int length = 1; length <= MaxCodeLength; length++)
        {
            left = (left << 1) - _counts[length];
            if (left < 0)
            {
                return false;
            }
        }

        // Symbols in code order: by length, then by symbol value.
        _offsets[1] = 0;
        for (int length = 1; length <= MaxCodeLength; length++)
        {
            _offsets[length + 1] = (short)(_offsets[length] + _counts[length]);
        }

        Span<short> next = stackalloc short[MaxCodeLength + 1];
        _offsets.AsSpan(0, MaxCodeLength + 1).CopyTo(next);
        for (int symbol = 0; symbol < lengths.Length; symbol++)
        {
            if (lengths[symbol] != 0)
            {
                _symbols[next[lengths[symbol]]++] = (short)symbol;
            }
        }

        Array.Clear(_primary, 0, _primary.Length);
        int code = 0;
        int index = 0;
        for (int length = 1; length <= PrimaryBits; length++)
        {
            for (int i = 0; i < _counts[length]; i++, index++, code++)
            {
                // Codes are sent most significant bit first, into a stream read least significant bit first.
                int reversed = Reverse(code, length);
                ushort entry = (ushort)((ushort)_symbols[index] | (length << LengthShift));
                for (int slot = reversed; slot < _primary.Length; slot += 1 << length)
                {
                    _primary[slot] = entry;
                }
            }

            code <<= 1;
        }

        return true;
    }

    /// <summary>
    /// Decodes the code at the bottom of <paramref name="bits"/> (of which <paramref name="bitCount"/> are real) without
    /// consuming it: the symbol and its <paramref name="length"/>, <see cref="NeedMoreBits"/> or <see cref="Invalid"/>.
    /// </summary>
    public int Peek(ulong bits, int bitCount, out int length)
    {
        int entry = _primary[(int)(bits & ((1 << PrimaryBits) - 1))];
        if (entry != 0)
        {
            length = entry >> LengthShift;
            return length <= bitCount ? entry & ((1 << LengthShift) - 1) : NeedMoreBits;
        }

        // A longer (or unassigned) code: walk the canonical code one bit at a time (section 3.2.2).
        int code = 0;
        int first = 0;
        int index = 0;
        for (length = 1; length <= MaxCodeLength; length++)
        {
            if (length > bitCount)
            {
                return NeedMoreBits;
            }

            code |= (int)((bits >> (length - 1)) & 1);
            int count = _counts[length];
            if (code - first < count)
            {
                return _symbols[index + code - first];
            }

            index += count;
            first = (first + count) << 1;
            code <<= 1;
        }

        length = 0;
        return Invalid;
    }

    /// <summary>Section 3.2.7: the order in which a dynamic block sends the code length code's lengths.</summary>
    public static ReadOnlySpan<byte> CodeLengthOrder => new byte[] { 16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15 };

    /// <summary>Section 3.2.6: the fixed literal/length code's lengths (8, 9, 7 and 8 bits by range).</summary>
    public static byte[] FixedLiteralLengths { get; } = BuildFixedLiteralLengths();

    /// <summary>Reverses the low <paramref name="length"/> bits: codes are defined most significant bit first, streams are read least first.</summary>
    public static int Reverse(int code, int length)
    {
        int reversed = 0;
        for (int i = 0; i < length; i++)
        {
            reversed = (reversed << 1) | ((code >> i) & 1);
        }

        return reversed;
    }

    private static byte[] BuildFixedLiteralLengths()
    {
        var lengths = new byte[288];
        lengths.AsSpan(0, 144).Fill(8);
        lengths.AsSpan(144, 112).Fill(9);
        lengths.AsSpan(256, 24).Fill(7);
        lengths.AsSpan(280, 8).Fill(8);
        return lengths;
    }
}
