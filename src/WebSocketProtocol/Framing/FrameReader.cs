using System;
using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;

namespace WebSocketProtocol.Framing;

/// <summary>
/// Reads RFC 6455 frames from a <see cref="PipeReader"/>, zero-copy: each frame's payload is a slice of the pipe's own buffer.
/// Whole frames come from <see cref="ReadFrameAsync"/>; a large frame can be taken in pieces as it arrives with
/// <see cref="ReadHeaderAsync"/> and <see cref="ReadPayloadAsync"/>.
/// </summary>
/// <remarks>
/// <para>What <see cref="Current"/> holds stays valid until the next call on the reader, which consumes it.
/// Frames already buffered are handed out without touching the pipe again; the pipe is advanced only when more bytes are
/// needed, with everything buffered marked examined, so a partial frame waits for new data instead of being re-parsed.</para>
/// <para>The reader never writes to the pipe's memory: masked payloads are unmasked as they are copied out
/// (<see cref="Frame.CopyPayloadTo(System.Span{byte})"/>).</para>
/// <para><see cref="ReadFrameAsync"/> needs the whole frame in the pipe at once, so a frame longer than the pipe's pause
/// threshold can never complete that way; read such frames in pieces.</para>
/// <para>Not thread-safe: one caller reads at a time. Every violation of the framing rules throws
/// <see cref="WebSocketProtocolException"/>; the reader then stays failed.</para>
/// </remarks>
public sealed class FrameReader
{
    private readonly PipeReader _input;
    private readonly FrameReaderOptions _options;

    // The unconsumed part of the last ReadResult; valid while _holdingBuffer is set. Frames that lie in its first segment
    // are consumed by moving _firstOffset alone, so the sequence is re-sliced only when a frame crosses segments or the
    // pipe must be advanced: the common small frame costs no sequence arithmetic.
    private ReadOnlySequence<byte> _buffer;
    private ReadOnlyMemory<byte> _firstSegment;
    private int _firstOffset;

    // The first segment's array, when it has one (pipes hand out arrays): spans and payload sequences are then made
    // straight from it, skipping ReadOnlyMemory's type checks on the per-frame path.
    private byte[]? _firstArray;
    private int _firstArrayStart;
    private bool _handedOutInFirstSegment;
    private bool _holdingBuffer;
    private bool _inputCompleted;

    // Bytes of _buffer handed out in Current, consumed at the start of the next call.
    private long _handedOut;

    // A frame whose payload is being read in pieces.
    private bool _streaming;
    private long _streamPosition;

    private Frame _current;
    private ProtocolError _failure;

    /// <summary>Creates a reader over <paramref name="input"/> that enforces <paramref name="options"/>.</summary>
    public FrameReader(PipeReader input, FrameReaderOptions options)
    {
        _input = input ?? throw new ArgumentNullException(nameof(input));
        _options = options ?? throw new ArgumentNullException(nameof(options));
    }

    /// <summary>The options this reader enforces.</summary>
    public FrameReaderOptions Options => _options;

    /// <summary>The frame (or piece of a frame) the last successful read produced.</summary>
    public ref readonly Frame Current => ref _current;

    /// <summary>
    /// Reads a whole frame into <see cref="Current"/>. Returns <see langword="false"/> when the input ended cleanly between frames.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait for more bytes.</param>
    /// <exception cref="WebSocketProtocolException">The frame breaks a framing rule, or the input ended inside it.</exception>
    public ValueTask<bool> ReadFrameAsync(CancellationToken cancellationToken = default)
    {
        BeginRead(expectStreaming: false);
        if (_holdingBuffer && TryTakeFrame())
        {
            return new ValueTask<bool>(true);
        }

        return ReadSlowAsync(ReadKind.Frame, cancellationToken);
    }

    /// <summary>
    /// Reads a frame header into <see cref="Current"/> (with an empty payload) and leaves the payload in the pipe for
    /// <see cref="ReadPayloadAsync"/>. Returns <see langword="false"/> when the input ended cleanly between frames.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait for more bytes.</param>
    /// <exception cref="WebSocketProtocolException">The header breaks a framing rule, or the input ended inside it.</exception>
    public ValueTask<bool> ReadHeaderAsync(CancellationToken cancellationToken = default)
    {
        BeginRead(expectStreaming: false);
        if (_holdingBuffer && TryTakeHeader())
        {
            return new ValueTask<bool>(true);
        }

        return ReadSlowAsync(ReadKind.Header, cancellationToken);
    }

    /// <summary>
    /// Puts the next buffered piece (at least one byte) of the payload whose header <see cref="ReadHeaderAsync"/> read into
    /// <see cref="Current"/>, waiting for bytes if none are buffered. Returns <see langword="false"/> once the payload is exhausted.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait for more bytes.</param>
    /// <exception cref="WebSocketProtocolException">The input ended inside the payload.</exception>
    public ValueTask<bool> ReadPayloadAsync(CancellationToken cancellationToken = default)
    {
        BeginRead(expectStreaming: true);
        if (!_streaming)
        {
            return new ValueTask<bool>(false);
        }

        if (_holdingBuffer && TryTakePayloadPiece())
        {
            return new ValueTask<bool>(true);
        }

        return ReadSlowAsync(ReadKind.PayloadPiece, cancellationToken);
    }

    /// <summary>
    /// Advances the pipe past everything this reader has consumed and lets go of its buffer, so the pipe can be read directly
    /// again (for instance after a close). <see cref="Current"/> is invalid afterwards.
    /// </summary>
    public void ReleaseInput()
    {
        ConsumeHandedOut();
        if (_holdingBuffer)
        {
            Normalize();
            _input.AdvanceTo(_buffer.Start);
            _holdingBuffer = false;
            _buffer = default;
            SetFirstSegment(default);
        }

        _current = default;
    }

    private void BeginRead(bool expectStreaming)
    {
        if (_failure != ProtocolError.None)
        {
            ThrowHelper.ThrowProtocolError(_failure);
        }

        ConsumeHandedOut();
        if (!expectStreaming && _streaming)
        {
            ThrowHelper.ThrowInvalidOperation("The payload of the frame from ReadHeaderAsync has not been read to its end.");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ConsumeHandedOut()
    {
        if (_handedOut != 0)
        {
            if (_handedOutInFirstSegment)
            {
                _firstOffset += (int)_handedOut;
            }
            else
            {
                _buffer = _buffer.Slice(_handedOut);
                SetFirstSegment(_buffer.First);
            }

            _handedOut = 0;
        }
    }

    private void SetFirstSegment(ReadOnlyMemory<byte> segment)
    {
        _firstSegment = segment;
        if (MemoryMarshal.TryGetArray(segment, out ArraySegment<byte> array))
        {
            _firstArray = array.Array;
            _firstArrayStart = array.Offset;
        }
        else
        {
            _firstArray = null;
        }
    }

    /// <summary>Applies the first-segment offset to the buffered sequence, for the paths that work on the sequence.</summary>
    private void Normalize()
    {
        if (_firstOffset != 0)
        {
            _buffer = _buffer.Slice(_firstOffset);
            SetFirstSegment(_buffer.First);
            _firstOffset = 0;
        }
    }

    private bool TryTakeFrame()
    {
        if (TryTakeFrameInFirstSegment())
        {
            return true;
        }

        Normalize();
        _handedOutInFirstSegment = false;
        if (!TryParseHeader(out FrameHeader header, out int headerLength))
        {
            return false;
        }

        long frameLength = headerLength + header.PayloadLength;
        if (_buffer.Length < frameLength)
        {
            return false;
        }

        _current = new Frame(header, _buffer.Slice(headerLength, header.PayloadLength));
        _handedOut = frameLength;
        return true;
    }

    /// <summary>The fast path: a whole frame that lies in the first segment, handed out without touching the sequence.</summary>
    private bool TryTakeFrameInFirstSegment()
    {
        ReadOnlySpan<byte> first = UnconsumedFirstSegment();
        if (TryParseAndValidate(first, out FrameHeader fastHeader, out int fastHeaderLength))
        {
            if (fastHeader.PayloadLength <= first.Length - fastHeaderLength)
            {
                HandOutFromFirstSegment(fastHeader, fastHeaderLength);
                return true;
            }
        }

        return false;
    }

    /// <summary>The bytes of the first buffered segment not yet consumed; through the array when there is one, which is cheaper.</summary>
    private ReadOnlySpan<byte> UnconsumedFirstSegment()
    {
        byte[]? array = _firstArray;
        return array is not null
            ? new ReadOnlySpan<byte>(array, _firstArrayStart + _firstOffset, _firstSegment.Length - _firstOffset)
            : _firstSegment.Span.Slice(_firstOffset);
    }

    /// <summary>Hands out a frame lying whole in the first segment (its header already checked) as <see cref="Current"/>.</summary>
    private void HandOutFromFirstSegment(in FrameHeader header, int headerLength)
    {
        byte[]? array = _firstArray;
        int payloadLength = (int)header.PayloadLength;
        int payloadStart = _firstOffset + headerLength;
        ReadOnlySequence<byte> payload = array is not null
            ? new ReadOnlySequence<byte>(array, _firstArrayStart + payloadStart, payloadLength)
            : new ReadOnlySequence<byte>(_firstSegment.Slice(payloadStart, payloadLength));
        _current = new Frame(header, payload);
        _handedOut = headerLength + payloadLength;
        _handedOutInFirstSegment = true;
    }

    private bool TryTakeHeader()
    {
        Normalize();
        _handedOutInFirstSegment = false;
        if (!TryParseHeader(out FrameHeader header, out int headerLength))
        {
            return false;
        }

        _buffer = _buffer.Slice(headerLength);
        SetFirstSegment(_buffer.First);
        _current = new Frame(header, ReadOnlySequence<byte>.Empty);
        _streaming = header.PayloadLength != 0;
        _streamPosition = 0;
        return true;
    }

    private bool TryTakePayloadPiece()
    {
        Normalize();
        _handedOutInFirstSegment = false;
        FrameHeader header = _current.Header;
        long available = Math.Min(header.PayloadLength - _streamPosition, _buffer.Length);
        if (available == 0)
        {
            return false;
        }

        _current = new Frame(header, _buffer.Slice(0, available), _streamPosition);
        _handedOut = available;
        _streamPosition += available;
        _streaming = _streamPosition != header.PayloadLength;
        return true;
    }

    private bool TryParseHeader(out FrameHeader header, out int headerLength)
    {
        if (_buffer.IsSingleSegment)
        {
            return TryParseAndValidate(_buffer.First.Span, out header, out headerLength);
        }

        // A header split across segments is at most 14 bytes: gather them and decode in one place.
        Span<byte> gathered = stackalloc byte[FrameHeader.MaxEncodedLength];
        int available = (int)Math.Min(_buffer.Length, FrameHeader.MaxEncodedLength);
        _buffer.Slice(0, available).CopyTo(gathered);
        return TryParseAndValidate(gathered.Slice(0, available), out header, out headerLength);
    }

    /// <summary>Decodes a header from one span, when it is all there, and applies the framing rules.</summary>
    private bool TryParseAndValidate(ReadOnlySpan<byte> source, out FrameHeader header, out int headerLength)
    {
        if (!FrameHeader.TryDecode(source, out header, out headerLength, out bool lengthTopBitSet))
        {
            if (lengthTopBitSet)
            {
                Fail(ProtocolError.PayloadLengthTopBitSet);
            }

            return false;
        }

        Validate(header);
        return true;
    }

    private void Validate(in FrameHeader header)
    {
        ProtocolError error = FrameHeaderValidator.Validate(header, _options);
        if (error != ProtocolError.None)
        {
            Fail(error);
        }
    }

    private void Fail(ProtocolError error)
    {
        _failure = error;
        ThrowHelper.ThrowProtocolError(error);
    }

    /// <summary>What a read hands out: a whole frame, a header, or a piece of the current payload.</summary>
    private enum ReadKind
    {
        Frame,
        Header,
        PayloadPiece,
    }

    private bool TryTake(ReadKind kind) => kind switch
    {
        ReadKind.Frame => TryTakeFrame(),
        ReadKind.Header => TryTakeHeader(),
        _ => TryTakePayloadPiece(),
    };

#if NET6_0_OR_GREATER
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
#endif
    private async ValueTask<bool> ReadSlowAsync(ReadKind kind, CancellationToken cancellationToken)
    {
        while (BeginFill())
        {
            ReadResult result = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
            EndFill(result);
            if (TryTake(kind))
            {
                return true;
            }
        }

        if (kind == ReadKind.PayloadPiece)
        {
            Fail(ProtocolError.TruncatedFrame);
        }

        return EndOfInputBetweenFrames();
    }

    private bool EndOfInputBetweenFrames()
    {
        Normalize();
        if (_buffer.Length != 0)
        {
            Fail(ProtocolError.TruncatedFrame);
        }

        return false;
    }

    /// <summary>Gets ready to wait for more bytes; <see langword="false"/> once the input has ended and all it sent was seen.</summary>
    private bool BeginFill()
    {
        if (_inputCompleted)
        {
            return false;
        }

        if (_holdingBuffer)
        {
            // Everything buffered was looked at and is not enough: wait for new bytes rather than re-parse these.
            Normalize();
            _holdingBuffer = false;
            _input.AdvanceTo(_buffer.Start, _buffer.End);
        }

        return true;
    }

    private void EndFill(ReadResult result)
    {
        if (result.IsCanceled)
        {
            _input.AdvanceTo(result.Buffer.Start);
            _buffer = default;
            SetFirstSegment(default);
            _firstOffset = 0;
            ThrowHelper.ThrowOperationCanceled();
        }

        _buffer = result.Buffer;
        SetFirstSegment(_buffer.First);
        _firstOffset = 0;
        _holdingBuffer = true;
        _inputCompleted = result.IsCompleted;
    }
}
