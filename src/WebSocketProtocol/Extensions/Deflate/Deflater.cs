using System;
using System.Buffers;

namespace WebSocketProtocol.Extensions.Deflate;

/// <summary>
/// A DEFLATE compressor (RFC 1951) for permessage-deflate: each message becomes one block, with dynamic Huffman codes or
/// the fixed ones, whichever is shorter, ended with a sync flush whose <c>00 00 FF FF</c> is left off (RFC 7692 section
/// 7.2.1). Matches are found greedily through short hash chains, as fast compressors do, and never reach further back
/// than the negotiated window, into earlier messages only while context takeover holds. Memory is fixed: twice the window
/// of history, a 2-byte chain link per window position, the hash table and the code tables (about 100 KiB at 2^15).
/// </summary>
internal sealed class Deflater
{
    private const int MinMatch = 3;
    private const int MaxMatch = 258;
    private const int HashBits = 12;
    private const int NoPosition = int.MinValue;

    // How far down a hash chain to look, and a match long enough to stop looking: a fast compressor's trade.
    private const int MaxChain = 8;
    private const int MaxInsertLength = 16;
    private const int NiceLength = 64;
    private const int MinDynamicTokens = 128;

    // Symbols per block at most: 64 KiB of tokens, under the large object heap's 85,000 bytes, and enough symbols that a
    // dynamic block's code description (tens of bytes) costs well under a percent.
    private const int MaxBlockTokens = 16 * 1024;
    private const int MaxStoredLength = ushort.MaxValue;
    private const int MaxWindow = 1 << DeflateParameters.MaxWindowBits;

    private const int LiteralSymbols = 286;
    private const int DistanceSymbols = 30;
    private const int MatchFlag = 1 << 31;

    private static readonly ushort[] ReversedFixedCodes = BuildReversedFixedCodes();
    private static readonly byte[] FixedCodeLengths = HuffmanTable.FixedLiteralLengths;
    private static readonly ushort[] ReversedFixedDistanceCodes = BuildReversedFixedDistanceCodes();
    private static readonly byte[] FixedDistanceLengths = BuildFixedDistanceLengths();

    // The block being built: symbol counts, and the dynamic codes made from them.
    private readonly int[] _literalFrequencies = new int[LiteralSymbols];
    private readonly int[] _distanceFrequencies = new int[DistanceSymbols];
    private readonly byte[] _literalLengths = new byte[LiteralSymbols];
    private readonly byte[] _distanceLengths = new byte[DistanceSymbols];
    private readonly ushort[] _literalCodes = new ushort[LiteralSymbols];
    private readonly ushort[] _distanceCodes = new ushort[DistanceSymbols];
    private readonly int[] _codeLengthFrequencies = new int[19];
    private readonly byte[] _codeLengthLengths = new byte[19];
    private readonly ushort[] _codeLengthCodes = new ushort[19];
    private readonly byte[] _runSymbols = new byte[LiteralSymbols + DistanceSymbols];
    private readonly byte[] _runExtras = new byte[LiteralSymbols + DistanceSymbols];
    private readonly HuffmanBuilder _builder = new(LiteralSymbols);

    private readonly int _window;

    // The data compressed so far, as far as matches may still reach, followed by room for the next message: a small
    // message is appended here and compressed in place; the buffer slides (keeping the last window) once it is full.
    private readonly byte[] _buffer;
    private readonly int[] _head = new int[1 << HashBits];

    // For each position in the last window, the step back to the previous position with the same hash (0: none).
    private readonly ushort[] _previous;
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

        WindowBits = windowBits;
        _window = 1 << windowBits;
        _buffer = new byte[2 * _window];
        _previous = new ushort[_window];
        Reset();
    }

    /// <summary>The window size as a power of two.</summary>
    public int WindowBits { get; }

    /// <summary>Forgets all history: the next message refers to nothing before it (no context takeover).</summary>
    public void Reset()
    {
        _head.AsSpan().Fill(NoPosition);
        _historyLength = 0;
        _streamPosition = 0;
    }

    /// <summary>
    /// Compresses <paramref name="message"/> into <paramref name="output"/>, without the sync flush's last four bytes when it
    /// ends the message. A message streamed in parts calls this once per part; every part but the last keeps the whole sync
    /// flush, so the parts simply concatenate.
    /// </summary>
    public void CompressMessage(ReadOnlySpan<byte> message, IBufferWriter<byte> output, bool endOfMessage = true)
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
            CompressBlocks(_buffer.AsSpan(0, _historyLength + message.Length), _historyLength, output);
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
                CompressBlocks(data, history, output);
                KeepLastWindow(data);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(scratch);
            }
        }

        _streamPosition += message.Length;
        if (!endOfMessage)
        {
            Span<byte> tail = output.GetSpan(4);
            tail[0] = 0x00;
            tail[1] = 0x00;
            tail[2] = 0xFF;
            tail[3] = 0xFF;
            output.Advance(4);
        }
    }

    /// <summary>
    /// <paramref name="data"/> from <paramref name="start"/> as blocks of at most <see cref="MaxBlockTokens"/> symbols, each
    /// with dynamic codes or the fixed ones, whichever is shorter, or stored when that is shorter still; then an empty
    /// stored block.
    /// </summary>
    private void CompressBlocks(ReadOnlySpan<byte> data, int start, IBufferWriter<byte> output)
    {
        // A block's symbols wait here until its codes are known. Bounding them per block rather than per message keeps the
        // buffer off the large object heap whatever the message's size: buffers sized to each large message were the
        // server's main large-object churn under load, growing its heap until a full collection came round.
        int[] tokens = ArrayPool<int>.Shared.Rent(Math.Min(MaxBlockTokens, Math.Max(1, data.Length - start)));
        try
        {
            _bits = 0;
            _bitCount = 0;

            // Consecutive blocks that are best stored go out together, in stored blocks of up to 64 KiB, once the run ends.
            int storedFrom = -1;
            int position = start;
            do
            {
                int blockStart = position;
                Array.Clear(_literalFrequencies, 0, LiteralSymbols);
                Array.Clear(_distanceFrequencies, 0, DistanceSymbols);
                int count = FindMatches(data, blockStart, _streamPosition - start, tokens.AsSpan(0, Math.Min(tokens.Length, MaxBlockTokens)), out position);
                if (!IsWorthCoding(position - blockStart, count, out BlockCodes codes))
                {
                    storedFrom = storedFrom < 0 ? blockStart : storedFrom;
                    continue;
                }

                if (storedFrom >= 0)
                {
                    WriteStored(data.Slice(storedFrom, blockStart - storedFrom), output);
                    storedFrom = -1;
                }

                WriteCodedBlock(tokens.AsSpan(0, count), codes, output);
            }
            while (position < data.Length);

            if (storedFrom >= 0)
            {
                WriteStored(data.Slice(storedFrom), output);
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(tokens);
        }

        // The sync flush: an empty stored block (BFINAL 0, BTYPE 00), padded to a byte; its LEN/NLEN are the tail left off.
        WriteBits(0, 3, output);
        FlushBits(output);
    }

    /// <summary>
    /// Whether the block just matched (<paramref name="length"/> bytes as <paramref name="count"/> symbols, counted in the
    /// frequencies) is shorter under codes than stored; <paramref name="codes"/> says which codes, dynamic or fixed.
    /// </summary>
    private bool IsWorthCoding(int length, int count, out BlockCodes codes)
    {
        _literalFrequencies[256] = 1;

        // A short block cannot repay a dynamic block's code description (tens of bytes): fixed codes, no trees built.
        long fixedBits = CodeBits(FixedCodeLengths, FixedDistanceLengths);
        long dynamicBits = long.MaxValue;
        int literalCount = 0, distanceCount = 0, codeLengthCount = 0, runs = 0;
        bool dynamic = count >= MinDynamicTokens && PrepareDynamicCodes(fixedBits, out dynamicBits, out literalCount, out distanceCount, out codeLengthCount, out runs);
        codes = new BlockCodes(dynamic, literalCount, distanceCount, codeLengthCount, runs);

        // Incompressible data goes out as it is, in stored blocks, rather than grow by up to an eighth under codes.
        long storedBits = 8L * (length + (5L * ((length + MaxStoredLength - 1) / MaxStoredLength)) + 1);
        return storedBits >= 3 + ExtraBits() + Math.Min(fixedBits, dynamicBits);
    }

    /// <summary>One block of <paramref name="tokens"/> under the dynamic codes just prepared or the fixed ones.</summary>
    private void WriteCodedBlock(ReadOnlySpan<int> tokens, BlockCodes codes, IBufferWriter<byte> output)
    {
        if (codes.Dynamic)
        {
            // BFINAL 0, BTYPE 10: dynamic codes, described first (section 3.2.7).
            WriteBits(0b100, 3, output);
            WriteBits((uint)(codes.LiteralCount - 257), 5, output);
            WriteBits((uint)(codes.DistanceCount - 1), 5, output);
            WriteBits((uint)(codes.CodeLengthCount - 4), 4, output);
            for (int i = 0; i < codes.CodeLengthCount; i++)
            {
                WriteBits(_codeLengthLengths[HuffmanTable.CodeLengthOrder[i]], 3, output);
            }

            for (int i = 0; i < codes.Runs; i++)
            {
                byte symbol = _runSymbols[i];
                WriteBits(_codeLengthCodes[symbol], _codeLengthLengths[symbol], output);
                int extraBits = symbol switch { 16 => 2, 17 => 3, 18 => 7, _ => 0 };
                WriteBits(_runExtras[i], extraBits, output);
            }

            WriteTokens(tokens, _literalCodes, _literalLengths, _distanceCodes, _distanceLengths, output);
        }
        else
        {
            // BFINAL 0, BTYPE 01: the fixed codes are shorter for this block.
            WriteBits(0b010, 3, output);
            WriteTokens(tokens, ReversedFixedCodes, FixedCodeLengths, ReversedFixedDistanceCodes, FixedDistanceLengths, output);
        }
    }

    /// <summary>Stored blocks of at most 65,535 bytes each (section 3.2.4): header bits, padding, LEN, NLEN, the bytes.</summary>
    private void WriteStored(ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        do
        {
            int length = Math.Min(data.Length, MaxStoredLength);
            WriteBits(0, 3, output);
            FlushBits(output);
            Span<byte> span = output.GetSpan(4 + length);
            span[0] = (byte)length;
            span[1] = (byte)(length >> 8);
            span[2] = (byte)~length;
            span[3] = (byte)(~length >> 8);
            data.Slice(0, length).CopyTo(span.Slice(4));
            output.Advance(4 + length);
            data = data.Slice(length);
        }
        while (!data.IsEmpty);
    }

    /// <summary>The bits the counted symbols take under the given code lengths (extra bits aside).</summary>
    private long CodeBits(ReadOnlySpan<byte> literalLengths, ReadOnlySpan<byte> distanceLengths)
    {
        long bits = 0;
        for (int symbol = 0; symbol < LiteralSymbols; symbol++)
        {
            bits += (long)_literalFrequencies[symbol] * literalLengths[symbol];
        }

        for (int symbol = 0; symbol < DistanceSymbols; symbol++)
        {
            bits += (long)_distanceFrequencies[symbol] * distanceLengths[symbol];
        }

        return bits;
    }

    /// <summary>The extra bits of the counted lengths and distances, the same under any codes (section 3.2.5).</summary>
    private long ExtraBits()
    {
        long bits = 0;
        for (int symbol = 265; symbol < 285; symbol++)
        {
            bits += (long)_literalFrequencies[symbol] * ((symbol - 261) / 4);
        }

        for (int symbol = 4; symbol < DistanceSymbols; symbol++)
        {
            bits += (long)_distanceFrequencies[symbol] * ((symbol / 2) - 1);
        }

        return bits;
    }

    /// <summary>
    /// Builds the dynamic codes and their run-length description; true when that block is shorter than
    /// <paramref name="fixedBits"/>, the fixed codes' cost, and then <paramref name="dynamicBits"/> is its own.
    /// </summary>
    private bool PrepareDynamicCodes(long fixedBits, out long dynamicBits, out int literalCount, out int distanceCount, out int codeLengthCount, out int runs)
    {
        _builder.BuildLengths(_literalFrequencies, _literalLengths, 15);
        _builder.BuildLengths(_distanceFrequencies, _distanceLengths, 15);
        literalCount = LiteralSymbols;
        while (literalCount > 257 && _literalLengths[literalCount - 1] == 0)
        {
            literalCount--;
        }

        distanceCount = DistanceSymbols;
        while (distanceCount > 1 && _distanceLengths[distanceCount - 1] == 0)
        {
            distanceCount--;
        }

        runs = DescribeLengths(literalCount, distanceCount);
        Array.Clear(_codeLengthFrequencies, 0, _codeLengthFrequencies.Length);
        for (int i = 0; i < runs; i++)
        {
            _codeLengthFrequencies[_runSymbols[i]]++;
        }

        _builder.BuildLengths(_codeLengthFrequencies, _codeLengthLengths, 7);
        codeLengthCount = 19;
        while (codeLengthCount > 4 && _codeLengthLengths[HuffmanTable.CodeLengthOrder[codeLengthCount - 1]] == 0)
        {
            codeLengthCount--;
        }

        dynamicBits = 14 + (3 * codeLengthCount) + CodeBits(_literalLengths, _distanceLengths);
        for (int symbol = 0; symbol < 19; symbol++)
        {
            int extraBits = symbol switch { 16 => 2, 17 => 3, 18 => 7, _ => 0 };
            dynamicBits += (long)_codeLengthFrequencies[symbol] * (_codeLengthLengths[symbol] + extraBits);
        }

        if (dynamicBits >= fixedBits)
        {
            dynamicBits = long.MaxValue;
            return false;
        }

        AssignCodes(_literalLengths, _literalCodes);
        AssignCodes(_distanceLengths, _distanceCodes);
        AssignCodes(_codeLengthLengths, _codeLengthCodes);
        return true;
    }

    /// <summary>The literal and distance code lengths as code length symbols, runs shortened with codes 16, 17 and 18.</summary>
    private int DescribeLengths(int literalCount, int distanceCount)
    {
        int total = literalCount + distanceCount;
        int runs = 0;
        int i = 0;
        while (i < total)
        {
            byte value = LengthAt(i, literalCount);
            int run = 1;
            while (i + run < total && LengthAt(i + run, literalCount) == value)
            {
                run++;
            }

            i += run;
            if (value == 0)
            {
                while (run >= 11)
                {
                    int take = Math.Min(run, 138);
                    AddRun(ref runs, 18, take - 11);
                    run -= take;
                }

                if (run >= 3)
                {
                    AddRun(ref runs, 17, run - 3);
                    run = 0;
                }
            }
            else
            {
                AddRun(ref runs, value, 0);
                run--;
                while (run >= 3)
                {
                    int take = Math.Min(run, 6);
                    AddRun(ref runs, 16, take - 3);
                    run -= take;
                }
            }

            while (run-- > 0)
            {
                AddRun(ref runs, value, 0);
            }
        }

        return runs;
    }

    private byte LengthAt(int index, int literalCount) =>
        index < literalCount ? _literalLengths[index] : _distanceLengths[index - literalCount];

    private void AddRun(ref int runs, int symbol, int extra)
    {
        _runSymbols[runs] = (byte)symbol;
        _runExtras[runs] = (byte)extra;
        runs++;
    }

    /// <summary>Section 3.2.2: canonical codes from lengths, bit-reversed for the stream.</summary>
    private static void AssignCodes(ReadOnlySpan<byte> lengths, Span<ushort> codes)
    {
        Span<int> perLength = stackalloc int[16];
        foreach (byte length in lengths)
        {
            perLength[length]++;
        }

        perLength[0] = 0;
        Span<int> next = stackalloc int[16];
        int code = 0;
        for (int length = 1; length < 16; length++)
        {
            code = (code + perLength[length - 1]) << 1;
            next[length] = code;
        }

        for (int symbol = 0; symbol < lengths.Length; symbol++)
        {
            int length = lengths[symbol];
            codes[symbol] = length == 0 ? (ushort)0 : (ushort)HuffmanTable.Reverse(next[length]++, length);
        }
    }

    private void WriteTokens(ReadOnlySpan<int> tokens, ushort[] literalCodes, byte[] literalLengths, ushort[] distanceCodes, byte[] distanceLengths, IBufferWriter<byte> output)
    {
        foreach (int token in tokens)
        {
            if ((token & MatchFlag) == 0)
            {
                WriteBits(literalCodes[token], literalLengths[token], output);
                continue;
            }

            int length = (token >> 16) & 0x1FF;
            int distance = token & 0xFFFF;
            int lengthSymbol = LengthSymbol(length, out int lengthExtraBits, out int lengthExtra);
            WriteBits(literalCodes[lengthSymbol], literalLengths[lengthSymbol], output);
            WriteBits((uint)lengthExtra, lengthExtraBits, output);
            int distanceSymbol = DistanceSymbol(distance, out int distanceExtraBits, out int distanceExtra);
            WriteBits(distanceCodes[distanceSymbol], distanceLengths[distanceSymbol], output);
            WriteBits((uint)distanceExtra, distanceExtraBits, output);
        }

        WriteBits(literalCodes[256], literalLengths[256], output);
    }

    private void KeepLastWindow(ReadOnlySpan<byte> data)
    {
        int keep = Math.Min(_window, data.Length);
        data.Slice(data.Length - keep).CopyTo(_buffer);
        _historyLength = keep;
    }

    /// <summary>
    /// Greedy LZ77 over <paramref name="data"/> from <paramref name="start"/>: literals and matches as tokens, counted by symbol,
    /// until <paramref name="tokens"/> is full or the data ends; <paramref name="next"/> is where the next block starts.
    /// Each position takes the longest match among the last match's distance (repeated content keeps one offset) and the
    /// most recent positions with the same hash, a bounded walk down the chain. Matches may run past the block's end: the
    /// next block simply starts after them.
    /// </summary>
    private int FindMatches(ReadOnlySpan<byte> data, int start, int dataStart, Span<int> tokens, out int next)
    {
        int count = 0;
        int position = start;
        int end = data.Length;
        int lastDistance = 0;
        while (position < end && count < tokens.Length)
        {
            if (end - position >= MinMatch)
            {
                int hash = Hash(data, position);
                int limit = Math.Min(MaxMatch, end - position);
                int bestLength = MinMatch - 1;
                int bestDistance = 0;
                if (lastDistance != 0 && position - lastDistance >= 0)
                {
                    bestLength = Math.Max(bestLength, MatchLength(data, position - lastDistance, position, limit));
                    bestDistance = bestLength >= MinMatch ? lastDistance : 0;
                }

                // Earlier data: this message, or history still in the window; positions before the history are gone.
                int candidateStream = _head[hash];
                for (int chain = MaxChain; candidateStream != NoPosition && chain > 0 && bestLength < NiceLength; chain--)
                {
                    int candidate = candidateStream - dataStart;
                    int distance = position - candidate;
                    if (candidate < 0 || distance > _window)
                    {
                        break;
                    }

                    // One byte past the best so far decides most candidates without a full comparison.
                    if (bestLength < limit && data[candidate + bestLength] == data[position + bestLength])
                    {
                        int length = MatchLength(data, candidate, position, limit);
                        if (length > bestLength)
                        {
                            bestLength = length;
                            bestDistance = distance;
                        }
                    }

                    int step = _previous[candidateStream & (_window - 1)];
                    if (step == 0)
                    {
                        break;
                    }

                    candidateStream -= step;
                }

                Insert(hash, dataStart + position);
                if (bestLength >= MinMatch)
                {
                    tokens[count++] = MatchFlag | (bestLength << 16) | bestDistance;
                    _literalFrequencies[LengthSymbol(bestLength, out _, out _)]++;
                    _distanceFrequencies[DistanceSymbol(bestDistance, out _, out _)]++;

                    // Index the positions a short match covers, so later data can refer into it; inside a long match (repeated
                    // content, already well served by the distance just found) only its first and last few are indexed.
                    int covered = position + bestLength;
                    for (int i = position + 1; i < covered && end - i >= MinMatch; i++)
                    {
                        if (i == position + MaxInsertLength && covered - MaxInsertLength > i)
                        {
                            i = covered - MaxInsertLength;
                        }

                        Insert(Hash(data, i), dataStart + i);
                    }

                    position += bestLength;
                    lastDistance = bestDistance;
                    continue;
                }
            }

            byte literal = data[position++];
            tokens[count++] = literal;
            _literalFrequencies[literal]++;
        }

        next = position;
        return count;
    }

    /// <summary>Makes <paramref name="streamPosition"/> the newest entry of its hash chain.</summary>
    private void Insert(int hash, int streamPosition)
    {
        int previous = _head[hash];
        int step = previous == NoPosition ? 0 : streamPosition - previous;
        _previous[streamPosition & (_window - 1)] = (ushort)(step is > 0 and <= MaxWindow ? step : 0);
        _head[hash] = streamPosition;
    }

    /// <summary>How many bytes from <paramref name="candidate"/> equal those from <paramref name="position"/>, up to <paramref name="limit"/>.</summary>
    private static int MatchLength(ReadOnlySpan<byte> data, int candidate, int position, int limit)
    {
#if NET7_0_OR_GREATER
        return data.Slice(candidate, limit).CommonPrefixLength(data.Slice(position, limit));
#else
        int length = 0;
        while (length < limit && data[candidate + length] == data[position + length])
        {
            length++;
        }

        return length;
#endif
    }

    private static int Hash(ReadOnlySpan<byte> data, int position)
    {
        uint value = (uint)(data[position] | (data[position + 1] << 8) | (data[position + 2] << 16));
        return (int)((value * 2654435761u) >> (32 - HashBits));
    }

    /// <summary>Section 3.2.5: the length code (257-285) for <paramref name="length"/> and its 0-5 extra bits.</summary>
    private static int LengthSymbol(int length, out int extraBits, out int extra)
    {
        int x = length - MinMatch;
        if (length == MaxMatch || x < 8)
        {
            extraBits = extra = 0;
            return length == MaxMatch ? 285 : 257 + x;
        }

        int top = Log2(x);
        extraBits = top - 2;
        extra = x & ((1 << extraBits) - 1);
        return 257 + (4 * (top - 1)) + ((x >> (top - 2)) & 3);
    }

    /// <summary>Section 3.2.5: the distance code (0-29) for <paramref name="distance"/> and its 0-13 extra bits.</summary>
    private static int DistanceSymbol(int distance, out int extraBits, out int extra)
    {
        int y = distance - 1;
        if (y < 4)
        {
            extraBits = extra = 0;
            return y;
        }

        int top = Log2(y);
        extraBits = top - 1;
        extra = y & ((1 << extraBits) - 1);
        return (2 * top) + ((y >> (top - 1)) & 1);
    }

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

    private static ushort[] BuildReversedFixedDistanceCodes()
    {
        var codes = new ushort[DistanceSymbols];
        for (int symbol = 0; symbol < DistanceSymbols; symbol++)
        {
            codes[symbol] = (ushort)HuffmanTable.Reverse(symbol, 5);
        }

        return codes;
    }

    private static byte[] BuildFixedDistanceLengths()
    {
        var lengths = new byte[DistanceSymbols];
        lengths.AsSpan().Fill(5);
        return lengths;
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

    /// <summary>How a block is coded: dynamic codes (with the sizes of their description) or the fixed ones.</summary>
    private readonly struct BlockCodes
    {
        public BlockCodes(bool dynamic, int literalCount, int distanceCount, int codeLengthCount, int runs)
        {
            Dynamic = dynamic;
            LiteralCount = literalCount;
            DistanceCount = distanceCount;
            CodeLengthCount = codeLengthCount;
            Runs = runs;
        }

        public bool Dynamic { get; }

        public int LiteralCount { get; }

        public int DistanceCount { get; }

        public int CodeLengthCount { get; }

        public int Runs { get; }
    }
}
