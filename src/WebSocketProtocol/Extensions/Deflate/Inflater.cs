using System;

namespace WebSocketProtocol.Extensions.Deflate;

/// <summary>
/// A DEFLATE decompressor (RFC 1951) that takes its input in pieces of any size and writes into outputs of any size, so a
/// message can be inflated as its frames arrive and counted against a limit as it is produced. Memory is fixed: the
/// window (2^windowBits bytes) and the code tables; nothing is allocated per call.
/// </summary>
/// <remarks>
/// Each step (a block header, a literal, a length-distance pair, a code length) is taken only when all of its bits are
/// buffered, so running out of input never leaves a step half done. A match that does not fit the output is finished on
/// the next call.
/// </remarks>
internal sealed class Inflater
{
    private const int EndOfBlock = 256;
    private const int PrimaryBits = 9;

    private static readonly ushort[] LengthBase = { 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258 };
    private static readonly byte[] LengthExtra = { 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0 };
    private static readonly ushort[] DistanceBase = { 1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577 };
    private static readonly byte[] DistanceExtra = { 0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13 };

    private readonly byte[] _window;
    private readonly int _windowMask;
    private readonly HuffmanTable _literals = new(288);
    private readonly HuffmanTable _distances = new(32);
    private readonly HuffmanTable _codeLengthCode = new(19);
    private readonly byte[] _lengths = new byte[288 + 32];

    private ulong _bits;
    private int _bitCount;
    private State _state;
    private bool _tablesAreFixed;
    private bool _finalBlock;

    // Bytes written to the window since the last reset, capped at its size: how far back a distance may reach.
    private int _windowFill;
    private int _windowPosition;

    // The stored block or the match in progress.
    private int _remaining;
    private int _distance;

    // The dynamic block header being read.
    private int _literalCount;
    private int _distanceCount;
    private int _codeLengthCount;
    private int _lengthsRead;

    /// <summary>Creates an inflater whose peer compresses with a window of 2^<paramref name="windowBits"/> bytes (8 to 15).</summary>
    public Inflater(int windowBits)
    {
        if (windowBits is < DeflateParameters.MinWindowBits or > DeflateParameters.MaxWindowBits)
        {
            throw new ArgumentOutOfRangeException(nameof(windowBits));
        }

        WindowBits = windowBits;

        // zlib cannot compress with a 256-byte window and quietly uses 512 bytes when asked for 2^8: accept what such a peer
        // sends, since a larger window decodes every stream a smaller one does.
        _window = new byte[1 << Math.Max(windowBits, 9)];
        _windowMask = _window.Length - 1;
    }

    private enum State
    {
        BlockHeader,
        StoredHeader,
        StoredCopy,
        DynamicCounts,
        CodeLengthLengths,
        CodeLengths,
        Codes,
        Match,
        Failed,
    }

    /// <summary>The window size agreed with the peer, as a power of two.</summary>
    public int WindowBits { get; }

    /// <summary>Whether the input so far ends between blocks, as a message's data must once its tail is appended.</summary>
    public bool IsAtBlockBoundary => _state == State.BlockHeader;

    /// <summary>Whether the last block read was marked final (BFINAL): the DEFLATE stream has ended.</summary>
    public bool IsStreamEnded => _finalBlock && _state == State.BlockHeader;

    /// <summary>Forgets the window and any step in progress: the next input starts a new stream with no history.</summary>
    public void Reset()
    {
        _bits = 0;
        _bitCount = 0;
        _state = State.BlockHeader;
        _finalBlock = false;
        _windowFill = 0;
        _windowPosition = 0;
    }

    /// <summary>
    /// Inflates from <paramref name="input"/> into <paramref name="output"/> until the input is used up, the output is full or
    /// the data proves invalid. Input bytes are consumed whole; the bits of a step not yet complete wait inside.
    /// </summary>
    public InflateStatus Inflate(ReadOnlySpan<byte> input, Span<byte> output, out int consumed, out int written)
    {
        int inPos = 0;
        int outPos = 0;
        InflateStatus status = Run(input, ref inPos, output, ref outPos);
        if (status == InflateStatus.NeedsInput && inPos < input.Length)
        {
            // Every step asks for the most bits it could need, so this cannot happen; should it, fail rather than have a
            // caller offer the same bytes forever.
            status = Fail();
        }

        consumed = inPos;
        written = outPos;
        return status;
    }

    private InflateStatus Run(ReadOnlySpan<byte> input, ref int inPos, Span<byte> output, ref int outPos)
    {
        while (true)
        {
            switch (_state)
            {
                case State.Failed:
                    return InflateStatus.InvalidData;

                case State.BlockHeader:
                    if (!Need(3, input, ref inPos))
                    {
                        return InflateStatus.NeedsInput;
                    }

                    // After a final block a new stream may follow (a peer that ends each message with BFINAL).
                    _finalBlock = Take(1) == 1;
                    switch (Take(2))
                    {
                        case 0:
                            // Stored: the rest of this byte is padding (section 3.2.4).
                            Take(_bitCount & 7);
                            _state = State.StoredHeader;
                            break;
                        case 1:
                            UseFixedCodes();
                            _state = State.Codes;
                            break;
                        case 2:
                            _state = State.DynamicCounts;
                            break;
                        default:
                            return Fail();
                    }

                    break;

                case State.StoredHeader:
                    if (!Need(32, input, ref inPos))
                    {
                        return InflateStatus.NeedsInput;
                    }

                    int length = (int)Take(16);
                    if ((int)Take(16) != (~length & 0xFFFF))
                    {
                        return Fail();
                    }

                    _remaining = length;
                    if (_remaining == 0)
                    {
                        EndBlock();
                    }
                    else
                    {
                        _state = State.StoredCopy;
                    }
                    break;

                case State.StoredCopy:
                    while (_remaining > 0)
                    {
                        if (outPos == output.Length)
                        {
                            return InflateStatus.OutputFull;
                        }

                        byte value;
                        if (_bitCount >= 8)
                        {
                            value = (byte)Take(8);
                        }
                        else if (inPos < input.Length)
                        {
                            value = input[inPos++];
                        }
                        else
                        {
                            return InflateStatus.NeedsInput;
                        }

                        Emit(value, output, ref outPos);
                        _remaining--;
                    }

                    EndBlock();
                    break;

                case State.DynamicCounts:
                    if (!Need(14, input, ref inPos))
                    {
                        return InflateStatus.NeedsInput;
                    }

                    _literalCount = (int)Take(5) + 257;
                    _distanceCount = (int)Take(5) + 1;
                    _codeLengthCount = (int)Take(4) + 4;
                    if (_literalCount > 286 || _distanceCount > 30)
                    {
                        return Fail();
                    }

                    Array.Clear(_lengths, 0, 19);
                    _lengthsRead = 0;
                    _state = State.CodeLengthLengths;
                    break;

                case State.CodeLengthLengths:
                    while (_lengthsRead < _codeLengthCount)
                    {
                        if (!Need(3, input, ref inPos))
                        {
                            return InflateStatus.NeedsInput;
                        }

                        _lengths[HuffmanTable.CodeLengthOrder[_lengthsRead++]] = (byte)Take(3);
                    }

                    if (!_codeLengthCode.TryBuild(_lengths.AsSpan(0, 19)))
                    {
                        return Fail();
                    }

                    Array.Clear(_lengths, 0, _lengths.Length);
                    _lengthsRead = 0;
                    _state = State.CodeLengths;
                    break;

                case State.CodeLengths:
                    if (!ReadCodeLengths(input, ref inPos, out bool complete))
                    {
                        return Fail();
                    }

                    if (!complete)
                    {
                        return InflateStatus.NeedsInput;
                    }

                    // The end-of-block code must exist, or the block could never end (section 3.2.7).
                    _tablesAreFixed = false;
                    if (_lengths[EndOfBlock] == 0
                        || !_literals.TryBuild(_lengths.AsSpan(0, _literalCount))
                        || !_distances.TryBuild(_lengths.AsSpan(_literalCount, _distanceCount)))
                    {
                        return Fail();
                    }

                    _state = State.Codes;
                    break;

                case State.Codes:
                    InflateStatus? codes = DecodeCodes(input, ref inPos, output, ref outPos);
                    if (codes is { } result)
                    {
                        return result;
                    }

                    break;

                case State.Match:
                    if (!CopyMatch(output, ref outPos))
                    {
                        return InflateStatus.OutputFull;
                    }

                    _state = State.Codes;
                    break;
            }
        }
    }

    /// <summary>Reads code length symbols (and their repeat counts) until all literal and distance lengths are known.</summary>
    private bool ReadCodeLengths(ReadOnlySpan<byte> input, ref int inPos, out bool complete)
    {
        int total = _literalCount + _distanceCount;
        while (_lengthsRead < total)
        {
            // Enough for the longest walk (an invalid code is only known as such after 15 bits) and 7 extra bits.
            Need(15 + 7, input, ref inPos);
            int symbol = _codeLengthCode.Peek(_bits, _bitCount, out int codeLength);
            if (symbol == HuffmanTable.NeedMoreBits)
            {
                complete = false;
                return true;
            }

            if (symbol < 0)
            {
                complete = false;
                return false;
            }

            int extraBits = symbol switch { 16 => 2, 17 => 3, 18 => 7, _ => 0 };
            if (_bitCount < codeLength + extraBits)
            {
                complete = false;
                return true;
            }

            Take(codeLength);
            if (symbol < 16)
            {
                _lengths[_lengthsRead++] = (byte)symbol;
                continue;
            }

            int repeat;
            byte value = 0;
            if (symbol == 16)
            {
                // Repeat the previous length 3-6 times; there must be one.
                if (_lengthsRead == 0)
                {
                    complete = false;
                    return false;
                }

                value = _lengths[_lengthsRead - 1];
                repeat = 3 + (int)Take(2);
            }
            else
            {
                repeat = symbol == 17 ? 3 + (int)Take(3) : 11 + (int)Take(7);
            }

            if (_lengthsRead + repeat > total)
            {
                complete = false;
                return false;
            }

            _lengths.AsSpan(_lengthsRead, repeat).Fill(value);
            _lengthsRead += repeat;
        }

        // The lengths of both codes were read as one run; the distance lengths must start at index _literalCount.
        complete = true;
        return true;
    }

    /// <summary>Literals and matches until the block ends (null: go on with the state machine) or a stop.</summary>
    private InflateStatus? DecodeCodes(ReadOnlySpan<byte> input, ref int inPos, Span<byte> output, ref int outPos)
    {
        while (true)
        {
            if (outPos == output.Length)
            {
                return InflateStatus.OutputFull;
            }

            // A whole literal or length-distance pair is at most 15 + 5 + 15 + 13 bits (a code of up to 15, its extra bits).
            Need(48, input, ref inPos);
            int symbol = _literals.Peek(_bits, _bitCount, out int symbolLength);
            if (symbol == HuffmanTable.NeedMoreBits)
            {
                return InflateStatus.NeedsInput;
            }

            if (symbol < 0)
            {
                return Fail();
            }

            if (symbol < EndOfBlock)
            {
                Take(symbolLength);
                Emit((byte)symbol, output, ref outPos);
                continue;
            }

            if (symbol == EndOfBlock)
            {
                Take(symbolLength);
                EndBlock();
                return null;
            }

            int lengthIndex = symbol - 257;
            if (lengthIndex >= LengthBase.Length)
            {
                return Fail();
            }

            // Peek the whole pair before taking any of it, so a pair cut by the end of the input is read again whole.
            int lengthExtra = LengthExtra[lengthIndex];
            if (_bitCount < symbolLength + lengthExtra)
            {
                return InflateStatus.NeedsInput;
            }

            int afterLength = symbolLength + lengthExtra;
            int length = LengthBase[lengthIndex] + (int)((_bits >> symbolLength) & ((1UL << lengthExtra) - 1));
            int distanceSymbol = _distances.Peek(_bits >> afterLength, _bitCount - afterLength, out int distanceLength);
            if (distanceSymbol == HuffmanTable.NeedMoreBits)
            {
                return InflateStatus.NeedsInput;
            }

            if (distanceSymbol < 0 || distanceSymbol >= DistanceBase.Length)
            {
                return Fail();
            }

            int distanceExtra = DistanceExtra[distanceSymbol];
            int pairLength = afterLength + distanceLength + distanceExtra;
            if (_bitCount < pairLength)
            {
                return InflateStatus.NeedsInput;
            }

            int distance = DistanceBase[distanceSymbol] + (int)((_bits >> (afterLength + distanceLength)) & ((1UL << distanceExtra) - 1));
            if (distance > _windowFill)
            {
                // Further back than anything this stream (or the window) holds.
                return Fail();
            }

            Take(pairLength);
            _remaining = length;
            _distance = distance;
            if (!CopyMatch(output, ref outPos))
            {
                _state = State.Match;
                return InflateStatus.OutputFull;
            }
        }
    }

    private bool CopyMatch(Span<byte> output, ref int outPos)
    {
        while (_remaining > 0)
        {
            if (outPos == output.Length)
            {
                return false;
            }

            // The longest run that fits the output, wraps neither end of the window, and does not read bytes this same
            // run writes (a match may overlap itself: distance 1 repeats one byte). Copied to the output first, then
            // into the window with memmove semantics, so a run that lands on its own source is still right.
            int from = (_windowPosition - _distance) & _windowMask;
            int run = Math.Min(Math.Min(_remaining, output.Length - outPos), _distance);
            run = Math.Min(run, Math.Min(_window.Length - from, _window.Length - _windowPosition));
            ReadOnlySpan<byte> source = _window.AsSpan(from, run);
            source.CopyTo(output.Slice(outPos));
            source.CopyTo(_window.AsSpan(_windowPosition));
            outPos += run;
            _remaining -= run;
            _windowPosition = (_windowPosition + run) & _windowMask;
            _windowFill = Math.Min(_windowFill + run, _window.Length);
        }

        return true;
    }

    private void Emit(byte value, Span<byte> output, ref int outPos)
    {
        output[outPos++] = value;
        _window[_windowPosition] = value;
        _windowPosition = (_windowPosition + 1) & _windowMask;
        if (_windowFill < _window.Length)
        {
            _windowFill++;
        }
    }

    /// <summary>Loads whole input bytes until <paramref name="count"/> bits are buffered; false if the input ran out first.</summary>
    private bool Need(int count, ReadOnlySpan<byte> input, ref int inPos)
    {
        while (_bitCount < count && inPos < input.Length)
        {
            _bits |= (ulong)input[inPos++] << _bitCount;
            _bitCount += 8;
        }

        return _bitCount >= count;
    }

    private uint Take(int count)
    {
        uint value = (uint)(_bits & ((1UL << count) - 1));
        _bits >>= count;
        _bitCount -= count;
        return value;
    }

    /// <summary>
    /// Goes on to the next block header. After the final block the rest of its last byte is padding (RFC 1951 section 3.2.3
    /// packs the stream into whole bytes, and a next stream starts on a byte of its own): dropped, not read as a header.
    /// </summary>
    private void EndBlock()
    {
        if (_finalBlock)
        {
            Take(_bitCount & 7);
        }

        _state = State.BlockHeader;
    }

    private InflateStatus Fail()
    {
        _state = State.Failed;
        return InflateStatus.InvalidData;
    }

    /// <summary>Section 3.2.6: the fixed literal/length and distance codes.</summary>
    private void UseFixedCodes()
    {
        // Small messages mostly come as fixed-code blocks: build those tables once, not per block.
        if (_tablesAreFixed)
        {
            return;
        }

        _literals.TryBuild(HuffmanTable.FixedLiteralLengths);
        Span<byte> lengths = _lengths;
        lengths.Slice(0, 30).Fill(5);
        _distances.TryBuild(lengths.Slice(0, 30));
        _tablesAreFixed = true;
    }
}
