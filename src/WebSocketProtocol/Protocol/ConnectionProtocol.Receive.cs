using System;
using System.Buffers;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Threading;
using WebSocketProtocol.Framing;
using WebSocketProtocol.Text;

namespace WebSocketProtocol.Protocol;

/// <content>
/// The receive side: frames decoded and checked as their headers arrive, data unmasked (and checked as UTF-8, and
/// inflated) straight from the input into the caller's destination, control frames taken whole.
/// </content>
internal sealed partial class ConnectionProtocol
{
    // The data frame whose payload is being received: its header, the position of its next payload byte, what is left.
    private FrameHeader _frame;
    private long _framePosition;
    private long _frameRemaining;

    // The data message being received.
    private bool _inMessage;
    private WebSocketMessageType _messageType;
    private long _messageCharged;
    private Utf8Validator _utf8;

    /// <summary>Whether a text or binary message has begun and not yet ended: false means the next frame starts something new.</summary>
    public bool IsInMessage => _inMessage;

    /// <summary>Whether a data frame's header was taken and some of its payload is still to come.</summary>
    public bool IsInsideFrame => _frameRemaining > 0;

    /// <summary>
    /// Takes what it can of <paramref name="input"/> and reports one event; <paramref name="consumed"/> is how many bytes of
    /// it were used (the rest must be offered again, with more after it). Nothing is consumed past a whole unit: a header or
    /// a control frame is taken only once all of it is there, a data payload as it arrives, so any split of the same bytes
    /// gives the same messages. Message bytes go to <paramref name="destination"/>; after a failure all input is discarded.
    /// </summary>
    public ReceiveEvent Receive<TBuffer>(in ReadOnlySequence<byte> input, ref TBuffer destination, out long consumed)
        where TBuffer : struct, IReceiveBuffer
    {
        long length = input.Length;
        consumed = 0;
        if (Volatile.Read(ref _failure) != 0 || _peerCloseStatus is not null)
        {
            // RFC 6455 section 5.5.1: nothing follows a close; a failed connection reads no further (section 7.1.7).
            consumed = length;
            return _peerCloseStatus is not null && Failure == ProtocolError.None ? ReceiveEvent.CloseReceived : ReceiveEvent.Failed(Failure);
        }

#if NETSTANDARD2_0
        ReadOnlySpan<byte> first = input.First.Span;
#else
        ReadOnlySpan<byte> first = input.FirstSpan;
#endif
        while (true)
        {
            if (_compressed)
            {
                if (TryReceiveCompressed(input, first, length, ref consumed, ref destination, out ReceiveEvent inflated))
                {
                    return Report(inflated, length, ref consumed);
                }
            }
            else if (_frameRemaining > 0)
            {
                return Report(ReceivePayload(input, first, length, ref consumed, ref destination), length, ref consumed);
            }

            // Between frames. Section 5.2 and 5.5 rules are judged on the header, before any payload is waited for.
            ProtocolError error = TryReadHeader(input, first, consumed, length, out FrameHeader header, out int headerLength);
            if (error != ProtocolError.None)
            {
                return Report(FailWith(error), length, ref consumed);
            }

            if (headerLength == 0)
            {
                return ReceiveEvent.NeedMoreData;
            }

            if (header.Opcode.IsControl())
            {
                if (header.ReservedBits != ReservedBits.None)
                {
                    // RFC 7692 section 6.1: no extension defines RSV bits on control frames, even one that claims them.
                    return Report(FailWith(ProtocolError.ReservedBitsSet), length, ref consumed);
                }

                // A control frame (at most 139 bytes) is taken whole, so its payload never waits inside the protocol.
                if (length - consumed - headerLength < header.PayloadLength)
                {
                    return ReceiveEvent.NeedMoreData;
                }

                consumed += headerLength;
                ReceiveEvent control = ReceiveControlFrame(input, first, header, ref consumed);
                return Report(control, length, ref consumed);
            }

            error = StartDataFrame(header);
            if (error != ProtocolError.None)
            {
                return Report(FailWith(error), length, ref consumed);
            }

            consumed += headerLength;
            Volatile.Write(ref _receivedSinceTick, 1);
            _frame = header;
            _framePosition = 0;
            _frameRemaining = header.PayloadLength;
            if (_frameRemaining == 0)
            {
                _frameWait.FrameEnded();
                if (header.IsFinal && !_compressed)
                {
                    return Report(EndMessage(0), length, ref consumed);
                }
            }
        }
    }

    /// <summary>A failure discards the rest of the input; anything else stands.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ReceiveEvent Report(ReceiveEvent result, long length, ref long consumed)
    {
        if (result.Kind == ReceiveEventKind.Failed)
        {
            consumed = length;
        }

        return result;
    }

    private ReceiveEvent FailWith(ProtocolError error)
    {
        Fail(error);
        return ReceiveEvent.Failed(Failure);
    }

    /// <summary>
    /// Decodes and checks the header at <paramref name="start"/>: <paramref name="headerLength"/> 0 when it is not all there
    /// yet; a broken rule is returned (a 64-bit length with its top bit set, or a rule of <see cref="FrameHeaderValidator"/>).
    /// </summary>
    private ProtocolError TryReadHeader(in ReadOnlySequence<byte> input, ReadOnlySpan<byte> first, long start, long length, out FrameHeader header, out int headerLength)
    {
        bool decoded;
        bool lengthTopBitSet;
        if (start < first.Length && (first.Length - start >= FrameHeader.MaxEncodedLength || first.Length == length))
        {
            decoded = FrameHeader.TryDecode(first.Slice((int)start), out header, out headerLength, out lengthTopBitSet);
        }
        else
        {
            decoded = TryDecodeAcrossSegments(input, start, length, out header, out headerLength, out lengthTopBitSet);
        }

        if (!decoded)
        {
            headerLength = 0;
            return lengthTopBitSet ? ProtocolError.PayloadLengthTopBitSet : ProtocolError.None;
        }

        return FrameHeaderValidator.Validate(header, _frameRules);
    }

    /// <summary>A header split between segments is at most 14 bytes: gathered, and decoded in one place.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool TryDecodeAcrossSegments(in ReadOnlySequence<byte> input, long start, long length, out FrameHeader header, out int headerLength, out bool lengthTopBitSet)
    {
        Span<byte> gathered = stackalloc byte[FrameHeader.MaxEncodedLength];
        int available = (int)Math.Min(length - start, FrameHeader.MaxEncodedLength);
        input.Slice(start, available).CopyTo(gathered);
        return FrameHeader.TryDecode(gathered.Slice(0, available), out header, out headerLength, out lengthTopBitSet);
    }

    /// <summary>Section 5.4: continuations only inside a message, new messages only outside one; then the size limit.</summary>
    private ProtocolError StartDataFrame(in FrameHeader header)
    {
        bool compressed = (header.ReservedBits & ReservedBits.Rsv1) != 0;
        if (header.Opcode == Opcode.Continuation)
        {
            if (!_inMessage)
            {
                return ProtocolError.UnexpectedContinuation;
            }

            if (compressed)
            {
                // RFC 7692 section 6.1: only a message's first frame says whether it is compressed.
                return ProtocolError.ReservedBitsSet;
            }
        }
        else
        {
            if (_inMessage)
            {
                return ProtocolError.ExpectedContinuation;
            }

            _inMessage = true;
            _messageType = header.Opcode == Opcode.Text ? WebSocketMessageType.Text : WebSocketMessageType.Binary;
            _messageCharged = 0;
            _utf8.Reset();

            // The header rules admit RSV1 only when permessage-deflate was agreed.
            if (compressed)
            {
                StartCompressedMessage();
            }
        }

        // Judged on declared lengths before any payload is read; tiny fragments pay a minimum so their count is bounded too.
        _messageCharged += Math.Max(header.PayloadLength, _settings.MinimumFragmentCharge);
        return _messageCharged > (_compressed ? _frameRules.MaxFramePayloadLength : _settings.MaxMessageSize) ? ProtocolError.MessageTooLarge : ProtocolError.None;
    }

    /// <summary>Copies (unmasked) what has arrived of the current frame's payload, up to the room given, and checks text.</summary>
    private ReceiveEvent ReceivePayload<TBuffer>(in ReadOnlySequence<byte> input, ReadOnlySpan<byte> first, long length, ref long consumed, ref TBuffer destination)
        where TBuffer : struct, IReceiveBuffer
    {
        long available = length - consumed;
        if (available == 0)
        {
            return ReceiveEvent.NeedMoreData;
        }

        Volatile.Write(ref _receivedSinceTick, 1);
        Span<byte> room = destination.GetSpan(_frameRemaining, _frame.IsFinal);
        int count = (int)Math.Min(Math.Min(_frameRemaining, available), room.Length);
        bool isAscii = CopyPayload(input, first, consumed, count, room);
        destination.Advance(count);
        consumed += count;
        _framePosition += count;
        _frameRemaining -= count;
        bool endOfMessage = false;
        if (_frameRemaining == 0)
        {
            _frameWait.FrameEnded();
            endOfMessage = _frame.IsFinal;
        }

        // ASCII found while unmasking needs no second pass, unless it must first finish a character split before it. Fail
        // fast: the bad byte is reported in the piece it arrived in (RFC 6455 section 8.1).
        if (_messageType == WebSocketMessageType.Text && !(isAscii && _utf8.IsComplete) && !_utf8.TryValidate(room.Slice(0, count), endOfMessage))
        {
            return FailWith(ProtocolError.InvalidUtf8);
        }

        return endOfMessage ? EndMessage(count) : ReceiveEvent.Data(count, _messageType, false);
    }

    /// <summary>
    /// Copies <paramref name="count"/> payload bytes of the current frame from <paramref name="start"/>, unmasking them on the
    /// way (the input is never written to); returns whether the unmasking found them all ASCII (false when not known).
    /// </summary>
    private bool CopyPayload(in ReadOnlySequence<byte> input, ReadOnlySpan<byte> first, long start, int count, Span<byte> destination) =>
        CopyPayload(input, first, start, count, destination, _frame, _framePosition);

    /// <summary>As above, for the payload of <paramref name="header"/> from <paramref name="position"/> within it.</summary>
    private static bool CopyPayload(in ReadOnlySequence<byte> input, ReadOnlySpan<byte> first, long start, int count, Span<byte> destination, in FrameHeader header, long position)
    {
        bool isAscii = false;
        if (start + count <= first.Length)
        {
            // The usual case: the bytes lie in the first segment, with no sequence arithmetic.
            ReadOnlySpan<byte> source = first.Slice((int)start, count);
            if (header.IsMasked)
            {
                PayloadMask.ApplyAndCheckAscii(source, destination, header.MaskKey, (int)(position & 3), out isAscii);
            }
            else
            {
                source.CopyTo(destination);
            }

            return isAscii;
        }

        new Frame(header, input.Slice(start, count), position).CopyPayloadTo(destination, out isAscii);
        return isAscii;
    }

    private ReceiveEvent EndMessage(int count)
    {
        if (_messageType == WebSocketMessageType.Text && !_utf8.TryValidate(ReadOnlySpan<byte>.Empty, isFinal: true))
        {
            return FailWith(ProtocolError.InvalidUtf8);
        }

        _inMessage = false;
        return ReceiveEvent.Data(count, _messageType, true);
    }
}
