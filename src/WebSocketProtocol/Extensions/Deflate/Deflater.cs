using System;
using System.Buffers;

namespace WebSocketProtocol.Extensions.Deflate;

/// <summary>
/// A DEFLATE compressor (RFC 1951) for permessage-deflate: each message becomes one block of fixed Huffman codes ended
/// with a sync flush whose <c>00 00 FF FF</c> is left off (RFC 7692 section 7.2.1). Matches are found with a one-entry
/// hash table (greedy, as fast compressors do) and never reach further back than the negotiated window, into earlier
/// messages only while context takeover holds. Memory is fixed: the window's worth of history and the hash table.
/// </summary>
internal sealed class Deflater
{
    private const int MinMatch = 3;
    private const int MaxMatch = 258;
    private const int HashBits = 12;
    private const int NoPosition = int.MinValue;

    private static readonly ushort[] ReversedFixedCodes = BuildReversedFixedCodes();
    private static readonly byte[] FixedCodeLengths = HuffmanTable.FixedLiteralLengths;

    private readonly int _window;

    // The data compressed so far, as far as matches may still reach, followed by room for the next message: a small
    // message is appended here and compressed in place; the buffer slides (keeping the last window) once it is full.
    private readonly byte[] _buffer;
    private readonly int[] _head = new int[1 << HashBits];
    private int _historyLength;

    // The stream offset of the next byte to compress: hash entries hold stream offsets, so they stay valid across messages.
    private int _streamPosition;

    private ulong _bits;
    private int _bitCount;

    /// <summary>Creates a compressor whose matches reach at most 2^<paramref name="windowBits"/> bytes back (8 to 15).</summary>
    public Deflater(int windowBits)
    {
        if (windowBits is < DeflateParameters.MinWindowBits or > DeflateParameters.MaxWindowBits)
        {
            throw new ArgumentOutOfRangeException(nameof(windowBits));
        }

        _window = 1 << windowBits;
        _buffer = new byte[2 * _window];
        Reset();
    }

    /// <summary>Forgets all history: the next message refers to nothing before it (no context takeover).</summary>
    public void Reset()
    {
        _head.AsSpan().Fill(NoPosition);
        _historyLength = 0;
        _streamPosition = 0;
    }

    /// <summary>Compresses <paramref name="message"/> into <paramref name="output"/>, without the sync flush's last four bytes.</summary>
    public void CompressMessage(ReadOnlySpan<byte> message, IBufferWriter<byte> output)
    {
        if (_streamPosition > int.MaxValue - message.Length - _buffer.Length)
        {
            // Stream offsets are about to overflow: start afresh (costs one message's worth of matches into the past).
            Reset();
        }

        if (message.Length <= _window)
        {
            if (_historyLength + message.Length > _buffer.Length)
            {
                KeepLastWindow(_buffer.AsSpan(0, _historyLength));
            }

            message.CopyTo(_buffer.AsSpan(_historyLength));
            CompressBlock(_buffer.AsSpan(0, _historyLength + message.Length), _historyLength, output);
            _historyLength += message.Length;
        }
        else
        {
            // A large message: history and message side by side in a pooled buffer, so matches run across the seam.
            int history = Math.Min(_window, _historyLength);
            byte[] scratch = ArrayPool<byte>.Shared.Rent(history + message.Length);
            try
            {
                _buffer.AsSpan(_historyLength - history, history).CopyTo(scratch);
                message.CopyTo(scratch.AsSpan(history));
                Span<byte> data = scratch.AsSpan(0, history + message.Length);
                CompressBlock(data, history, output);
                KeepLastWindow(data);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(scratch);
            }
        }

        _streamPosition += message.Length;
    }

    /// <summary>One fixed-code block over <paramref name="data"/> from <paramref name="start"/>, ended by an empty stored block.</summary>
    private void CompressBlock(ReadOnlySpan<byte> data, int start, IBufferWriter<byte> output)
    {
        _bits = 0;
        _bitCount = 0;

        // BFINAL 0, BTYPE 01: a block with the fixed codes.
        WriteBits(0b010, 3, output);
        Compress(data, start, _streamPosition - start, output);
        WriteSymbol(256, output);

        // The sync flush: an empty stored block (BFINAL 0, BTYPE 00), padded to a byte; its LEN/NLEN are the tail left off.
        WriteBits(0, 3, output);
        FlushBits(output);
    }

    private void KeepLastWindow(ReadOnlySpan<byte> data)
    {
        int keep = Math.Min(_window, data.Length);
        data.Slice(data.Length - keep).CopyTo(_buffer);
        _historyLength = keep;
    }

    private void Compress(ReadOnlySpan<byte> data, int start, int dataStart, IBufferWriter<byte> output)
    {
        int position = start;
        int end = data.Length;
        while (position < end)
        {
            if (end - position >= MinMatch)
            {
                int hash = Hash(data, position);
                int previous = _head[hash];
                _head[hash] = dataStart + position;

                // Earlier data: this message, or history still in the window; positions before the history are gone.
                int candidate = previous == NoPosition ? -1 : previous - dataStart;
                int distance = position - candidate;
                if (candidate >= 0 && distance <= _window && data[candidate] == data[position]
                    && data[candidate + 1] == data[position + 1] && data[candidate + 2] == data[position + 2])
                {
                    int limit = Math.Min(MaxMatch, end - position);
                    int length = MinMatch;
                    while (length < limit && data[candidate + length] == data[position + length])
                    {
                        length++;
                    }

                    WriteMatch(length, distance, output);

                    // Index the positions the match covers, so later data can refer into it.
                    for (int i = position + 1; i < position + length && end - i >= MinMatch; i++)
                    {
                        _head[Hash(data, i)] = dataStart + i;
                    }

                    position += length;
                    continue;
                }
            }

            WriteSymbol(data[position], output);
            position++;
        }
    }

    private static int Hash(ReadOnlySpan<byte> data, int position)
    {
        uint value = (uint)(data[position] | (data[position + 1] << 8) | (data[position + 2] << 16));
        return (int)((value * 2654435761u) >> (32 - HashBits));
    }

    private void WriteMatch(int length, int distance, IBufferWriter<byte> output)
    {
        // Section 3.2.5: length codes 257-285 with 0-5 extra bits; distance codes 0-29 with 0-13 extra bits.
        int x = length - MinMatch;
        if (length == MaxMatch)
        {
            WriteSymbol(285, output);
        }
        else if (x < 8)
        {
            WriteSymbol(257 + x, output);
        }
        else
        {
            int top = Log2(x);
            WriteSymbol(257 + (4 * (top - 1)) + ((x >> (top - 2)) & 3), output);
            WriteBits((uint)(x & ((1 << (top - 2)) - 1)), top - 2, output);
        }

        int y = distance - 1;
        if (y < 4)
        {
            WriteBits((uint)HuffmanTable.Reverse(y, 5), 5, output);
        }
        else
        {
            int top = Log2(y);
            int symbol = (2 * top) + ((y >> (top - 1)) & 1);
            WriteBits((uint)HuffmanTable.Reverse(symbol, 5), 5, output);
            WriteBits((uint)(y & ((1 << (top - 1)) - 1)), top - 1, output);
        }
    }

    private void WriteSymbol(int symbol, IBufferWriter<byte> output) =>
        WriteBits(ReversedFixedCodes[symbol], FixedCodeLengths[symbol], output);

    private void WriteBits(uint value, int count, IBufferWriter<byte> output)
    {
        _bits |= (ulong)value << _bitCount;
        _bitCount += count;
        if (_bitCount >= 32)
        {
            Span<byte> span = output.GetSpan(4);
            span[0] = (byte)_bits;
            span[1] = (byte)(_bits >> 8);
            span[2] = (byte)(_bits >> 16);
            span[3] = (byte)(_bits >> 24);
            output.Advance(4);
            _bits >>= 32;
            _bitCount -= 32;
        }
    }

    private void FlushBits(IBufferWriter<byte> output)
    {
        int bytes = (_bitCount + 7) / 8;
        if (bytes > 0)
        {
            Span<byte> span = output.GetSpan(bytes);
            for (int i = 0; i < bytes; i++)
            {
                span[i] = (byte)(_bits >> (8 * i));
            }

            output.Advance(bytes);
        }

        _bits = 0;
        _bitCount = 0;
    }

    private static int Log2(int value)
    {
        int log = 0;
        while ((value >>= 1) != 0)
        {
            log++;
        }

        return log;
    }

    /// <summary>The fixed codes, bit-reversed for a stream written least significant bit first.</summary>
    private static ushort[] BuildReversedFixedCodes()
    {
        byte[] lengths = HuffmanTable.FixedLiteralLengths;
        var codes = new ushort[288];
        for (int symbol = 0; symbol < 288; symbol++)
        {
            uint code = symbol switch
            {
                < 144 => 0x30u + (uint)symbol,
                < 256 => 0x190u + (uint)(symbol - 144),
                < 280 => (uint)(symbol - 256),
                _ => 0xC0u + (uint)(symbol - 280),
            };
            codes[symbol] = (ushort)HuffmanTable.Reverse((int)code, lengths[symbol]);
        }

        return codes;
    }
}
