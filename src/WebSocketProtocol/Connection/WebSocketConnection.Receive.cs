using System.Net.WebSockets;
using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Extensions.Deflate;
using WebSocketProtocol.Framing;
using WebSocketProtocol.Text;

namespace WebSocketProtocol.Connection;

/// <content>Receiving: reassembly, UTF-8 validation, limits, and the handling of control frames as they arrive.</content>
public sealed partial class WebSocketConnection
{
    private readonly byte[] _controlPayload = new byte[FrameHeader.MaxControlPayloadLength];

    // The data message being received.
    private bool _inMessage;
    private WebSocketMessageType _messageType;
    private long _messageCharged;
    private Utf8Validator _utf8;

    // The data frame whose payload is being handed out, and the piece of it not yet copied.
    private bool _frameHasMorePieces;
    private bool _frameIsFinal;
    private bool _hasPiece;
    private Frame _piece;
    private long _pieceOffset;

    // The pooled buffer whole messages are assembled in, taken when a message's first bytes are in; and those first bytes.
    private readonly byte[] _firstBytes = new byte[64];
    private byte[]? _messageBuffer;

    // A compressed message (RFC 7692): its payload is unmasked into a small pooled buffer and inflated from there into the
    // caller's; after the last frame the sync-flush tail the sender left off is inflated too (section 7.2.2).
    private static readonly byte[] s_deflateTail = { 0x00, 0x00, 0xFF, 0xFF };
    private bool _compressedMessage;
    private bool _compressedBytesSeen;
    private bool _tailFed;
    private long _inflatedLength;
    private byte[]? _inflateInput;
    private int _inflateInputStart;
    private int _inflateInputEnd;

    /// <summary>
    /// Receives the next bytes of a message into <paramref name="buffer"/>, as they arrive: a large message can be
    /// streamed in pieces without ever being held whole. Control frames met on the way are handled first; the peer's close
    /// comes back as <see cref="WebSocketMessageType.Close"/>.
    /// </summary>
    /// <param name="buffer">Where the bytes go; must not be empty.</param>
    /// <param name="cancellationToken">Abandons the wait (the connection is aborted, since a frame may be half read).</param>
    /// <exception cref="WebSocketProtocolException">The peer broke the protocol or the transport failed; the connection is closed.</exception>
    /// <exception cref="OperationCanceledException">The connection was aborted.</exception>
    /// <exception cref="InvalidOperationException">Another receive is in progress, or the peer's close was already received.</exception>
    /// <exception cref="ObjectDisposedException">The connection was disposed.</exception>
    public ValueTask<ReceiveResult> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            throw new ArgumentException("The receive buffer must not be empty.", nameof(buffer));
        }

        if (!TryEnterReceive())
        {
            return ReceiveWhenSlotFreeAsync(buffer, cancellationToken);
        }

        ValueTask<ReceiveResult> receive;
        try
        {
            receive = ReceiveCoreAsync(buffer, cancellationToken);
        }
        catch
        {
            ExitReceive();
            throw;
        }

        if (receive.IsCompleted)
        {
            // Bytes were buffered: no second state machine for the common case.
            ExitReceive();
            return receive;
        }

        return ExitReceiveAfterAsync(receive);
    }

    /// <summary>The slot was taken (by CloseAsync reading for the application, or a teardown): waits for it, then receives.</summary>
    private async ValueTask<ReceiveResult> ReceiveWhenSlotFreeAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (!await WaitForReceiveSlotAsync(cancellationToken).ConfigureAwait(false))
        {
            return ReceiveAfterEnd();
        }

        try
        {
            return await ReceiveCoreAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ExitReceive();
        }
    }

#if NET6_0_OR_GREATER
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
#endif
    private async ValueTask<ReceiveResult> ExitReceiveAfterAsync(ValueTask<ReceiveResult> receive)
    {
        try
        {
            return await receive.ConfigureAwait(false);
        }
        finally
        {
            ExitReceive();
        }
    }

    /// <summary>
    /// Receives a whole message into the connection's pooled buffer, which stays valid until the next receive (or
    /// <see cref="Dispose"/>). A message over <see cref="WebSocketConnectionOptions.MaxMessageSize"/> fails with 1009 before
    /// it is buffered.
    /// </summary>
    /// <param name="cancellationToken">Abandons the wait (the connection is aborted).</param>
    /// <exception cref="WebSocketProtocolException">The peer broke the protocol or the transport failed; the connection is closed.</exception>
    /// <exception cref="OperationCanceledException">The connection was aborted.</exception>
    /// <exception cref="InvalidOperationException">Another receive is in progress, or the peer's close was already received.</exception>
    /// <exception cref="ObjectDisposedException">The connection was disposed.</exception>
    public ValueTask<WebSocketMessage> ReceiveMessageAsync(CancellationToken cancellationToken = default)
    {
        if (!TryEnterReceive())
        {
            return ReceiveMessageWhenSlotFreeAsync(cancellationToken);
        }

        // The previous message's memory goes back to the pool now (it was valid until this call). While it waits for the
        // next message the connection holds only a few bytes of its own, so an idle connection keeps no pooled buffer.
        ReturnMessageBuffer();
        if (!cancellationToken.IsCancellationRequested && TryTakeBufferedMessage(out WebSocketMessage message, out ProtocolError error))
        {
            if (error != ProtocolError.None)
            {
                return FailBufferedMessageAsync(error);
            }

            ExitReceive();
            return new ValueTask<WebSocketMessage>(message);
        }

        return ReceiveMessageSlowAsync(cancellationToken);
    }

    /// <summary>The slot was taken (by CloseAsync reading for the application, or a teardown): waits for it, then receives.</summary>
    private async ValueTask<WebSocketMessage> ReceiveMessageWhenSlotFreeAsync(CancellationToken cancellationToken)
    {
        if (!await WaitForReceiveSlotAsync(cancellationToken).ConfigureAwait(false))
        {
            ReceiveResult end = ReceiveAfterEnd();
            return new WebSocketMessage(WebSocketMessageType.Close, ReadOnlyMemory<byte>.Empty, end.CloseStatus, end.CloseReason);
        }

        ReturnMessageBuffer();
        return await ReceiveMessageSlowAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The common case without a state machine: a whole message in one frame, already buffered, taken in one step. False
    /// when the general path must run instead; <paramref name="error"/> is set when the message taken breaks the protocol.
    /// </summary>
    private bool TryTakeBufferedMessage(out WebSocketMessage message, out ProtocolError error)
    {
        message = default;
        error = ProtocolError.None;

        // A tiny frame is charged more than its length (MinimumFragmentCharge); when even that is over the limit, every
        // message must fail in the general path.
        long limit = _options.MinimumFragmentCharge > _options.MaxMessageSize ? -1 : _options.MaxMessageSize;
        if (_inMessage || _hasPiece || _frameHasMorePieces || _compressedMessage || _frameReadForNextReceive || Failure != ProtocolError.None
            || _closeReceived.Task.IsCompleted || !_reader.TryTakeBufferedMessageFrame(limit))
        {
            return false;
        }

        ref readonly Frame frame = ref _reader.Current;
        Volatile.Write(ref _receivedSinceTick, 1);
        int length = (int)frame.Payload.Length;
        byte[] buffer = length <= _firstBytes.Length ? _firstBytes : (_messageBuffer = _bufferPool.Rent(length));
        frame.CopyPayloadTo(buffer, out bool isAscii);
        WebSocketMessageType type = frame.Header.Opcode == Opcode.Text ? WebSocketMessageType.Text : WebSocketMessageType.Binary;
        if (type == WebSocketMessageType.Text && !isAscii && !Utf8Validator.IsValid(buffer.AsSpan(0, length)))
        {
            error = ProtocolError.InvalidUtf8;
        }

        message = new WebSocketMessage(type, buffer.AsMemory(0, length));
        return true;
    }

    /// <summary>Fails the connection for a message the buffered path took whole, as the general path fails it.</summary>
    private async ValueTask<WebSocketMessage> FailBufferedMessageAsync(ProtocolError error)
    {
        try
        {
            await FailAsync(error).ConfigureAwait(false);
            ReleaseInput();
        }
        finally
        {
            ExitReceive();
        }

        throw new WebSocketProtocolException(error);
    }

#if NET6_0_OR_GREATER
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
#endif
    private async ValueTask<WebSocketMessage> ReceiveMessageSlowAsync(CancellationToken cancellationToken)
    {
        try
        {
            ReceiveResult first = await ReceiveCoreAsync(_firstBytes, cancellationToken).ConfigureAwait(false);
            if (first.MessageType == WebSocketMessageType.Close)
            {
                return new WebSocketMessage(WebSocketMessageType.Close, ReadOnlyMemory<byte>.Empty, first.CloseStatus, first.CloseReason);
            }

            int length = first.Count;
            if (first.EndOfMessage)
            {
                // Valid until the next receive, which is the only thing that writes these bytes.
                return new WebSocketMessage(first.MessageType, _firstBytes.AsMemory(0, length));
            }

            _messageBuffer = _bufferPool.Rent(InitialMessageBufferSize(length));
            _firstBytes.AsSpan(0, length).CopyTo(_messageBuffer);
            while (true)
            {
                Memory<byte> destination;
                if (length < _messageBuffer.Length)
                {
                    destination = _messageBuffer.AsMemory(length);
                }
                else if (length < _options.MaxMessageSize)
                {
                    GrowMessageBuffer(length);
                    destination = _messageBuffer.AsMemory(length);
                }
                else
                {
                    // Full at the limit, the message may only end now: reading on into the scratch bytes lets an inflating
                    // message end or prove itself too long (1009), with no buffer past the limit (which the pool would
                    // round up to twice the limit, for one byte).
                    destination = _firstBytes;
                }

                ReceiveResult result = await ReceiveCoreAsync(destination, cancellationToken).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return new WebSocketMessage(WebSocketMessageType.Close, ReadOnlyMemory<byte>.Empty, result.CloseStatus, result.CloseReason);
                }

                // Past the limit, the receive fails before it hands out a byte (declared lengths and inflated bytes are both counted).
                Debug.Assert(length < _messageBuffer.Length || result.Count == 0, "A byte past the message limit was received.");
                length += result.Count;
                if (result.EndOfMessage)
                {
                    return new WebSocketMessage(result.MessageType, _messageBuffer.AsMemory(0, length));
                }
            }
        }
        finally
        {
            ExitReceive();
        }
    }

    /// <summary>
    /// The buffer to start a message in once <paramref name="received"/> bytes are in: the whole message when its current
    /// frame is its last and declares at most 64 KiB, saving the copies of growing; else 4 KiB that grows by doubling, so
    /// a peer that declares a large frame and sends little of it cannot make an idle connection hold much.
    /// </summary>
    private int InitialMessageBufferSize(int received)
    {
        const int Page = 4096;
        const int MaxUpFront = 64 * 1024;
        if (_compressedMessage || !_frameIsFinal)
        {
            return Page;
        }

        long whole = received + _piece.Header.PayloadLength - (_piece.PayloadOffset + _pieceOffset);
        return whole <= MaxUpFront ? (int)Math.Max(whole, 1) : Page;
    }

    private void GrowMessageBuffer(int length)
    {
        // Grows by doubling, up to the message limit (already enforced on declared and inflated lengths) and the largest
        // array the runtime makes.
        const long MaxArrayLength = 0x7FFFFFC7;
        long size = Math.Min(Math.Max(length * 2L, 4096), Math.Min(Math.Max(_options.MaxMessageSize, 4096), MaxArrayLength));
        byte[] larger = _bufferPool.Rent((int)size);
        _messageBuffer.AsSpan(0, length).CopyTo(larger);
        _bufferPool.Return(_messageBuffer!);
        _messageBuffer = larger;
    }

    private void ReturnMessageBuffer()
    {
        byte[]? buffer = Interlocked.Exchange(ref _messageBuffer, null);
        if (buffer is not null)
        {
            _bufferPool.Return(buffer);
        }
    }

#if NET6_0_OR_GREATER
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
#endif
    private async ValueTask<ReceiveResult> ReceiveCoreAsync(Memory<byte> buffer, CancellationToken cancellationToken, bool yieldToWaitingReceive = false)
    {
        if (HasEndedForReceive)
        {
            return ReceiveAfterEnd();
        }

        try
        {
            while (true)
            {
                if (_compressedMessage)
                {
                    if (InflateStep(buffer.Span) is { } inflated)
                    {
                        return inflated;
                    }
                }
                else if (_hasPiece)
                {
                    return TakeFromPiece(buffer.Span);
                }

                if (_frameHasMorePieces)
                {
                    if (!await _reader.ReadPayloadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        ThrowHelper.ThrowProtocolError(ProtocolError.TruncatedFrame);
                    }

                    _piece = _reader.Current;
                    Volatile.Write(ref _receivedSinceTick, 1);
                    _pieceOffset = 0;
                    _hasPiece = true;
                    _frameHasMorePieces = !_piece.IsPayloadComplete;
                    continue;
                }

                if (_frameReadForNextReceive)
                {
                    // CloseAsync read this frame, the first of a message or a control frame, and passed the slot on.
                    _frameReadForNextReceive = false;
                }
                else
                {
                    // CloseAsync reading for the application stops between messages when a receive waits for the slot:
                    // before it reads, and after a read it waited in (leaving the frame it read unprocessed). No read is
                    // cut short, so nothing half read is left behind.
                    if (yieldToWaitingReceive && !_inMessage && HasReceiveWaiting)
                    {
                        return YieldedToWaitingReceive;
                    }

                    // A small frame usually arrives whole: take it in one step; a large one streams from its header.
                    if (!await _reader.ReadFrameOrHeaderAsync(cancellationToken).ConfigureAwait(false))
                    {
                        // RFC 6455 section 7.1.5: a transport that ends without a close frame is an abnormal closure.
                        ThrowHelper.ThrowProtocolError(ProtocolError.ConnectionLost);
                    }

                    if (yieldToWaitingReceive && !_inMessage && HasReceiveWaiting)
                    {
                        _frameReadForNextReceive = true;
                        return YieldedToWaitingReceive;
                    }
                }

                ref readonly Frame frame = ref _reader.Current;
                FrameHeader header = frame.Header;
                Volatile.Write(ref _receivedSinceTick, 1);
                if (header.Opcode.IsControl())
                {
                    if (header.ReservedBits != ReservedBits.None)
                    {
                        // RFC 7692 section 6.1: no extension defines RSV bits on control frames, even one that claims them.
                        ThrowHelper.ThrowProtocolError(ProtocolError.ReservedBitsSet);
                    }

                    ReceiveResult? close = await HandleControlFrameAsync(header, cancellationToken).ConfigureAwait(false);
                    if (close is { } result)
                    {
                        return result;
                    }

                    continue;
                }

                StartDataFrame(header);
                if (header.PayloadLength == 0)
                {
                    if (header.IsFinal && !_compressedMessage)
                    {
                        return EndMessage(0);
                    }
                }
                else if (frame.IsPayloadComplete)
                {
                    _piece = frame;
                    _pieceOffset = 0;
                    _hasPiece = true;
                    _frameHasMorePieces = false;
                }
            }
        }
        catch (WebSocketProtocolException exception) when (exception.Error != Failure)
        {
            await FailAsync(exception.Error).ConfigureAwait(false);
            ReleaseInput();
            throw;
        }
        catch (Exception exception) when (Failure != ProtocolError.None && exception is not WebSocketProtocolException)
        {
            // The connection failed elsewhere (keepalive) and Abort() cut the read short.
            throw new WebSocketProtocolException(Failure, exception);
        }
        catch (Exception exception) when (exception is System.IO.IOException or System.Net.Sockets.SocketException or InvalidOperationException && State != WebSocketState.Closed)
        {
            await FailAsync(ProtocolError.ConnectionLost).ConfigureAwait(false);
            ReleaseInput();
            throw new WebSocketProtocolException(ProtocolError.ConnectionLost, exception);
        }
        catch (Exception exception) when (exception is System.IO.IOException or System.Net.Sockets.SocketException or ObjectDisposedException && State == WebSocketState.Closed)
        {
            // Aborted while the read waited, and the transport went away under it rather than cancelling the read: the same
            // cancellation a pipe transport reports, not the socket's error.
            ReleaseInput();
            throw new OperationCanceledException("The connection was aborted while a receive waited.", exception);
        }
    }

    /// <summary>
    /// What a receive gets once the connection has ended: the failure; else the peer's close, once, if CloseAsync read it
    /// for an application that was not receiving; else why no more messages can come. Touches nothing the slot guards.
    /// </summary>
    private ReceiveResult ReceiveAfterEnd()
    {
        ProtocolError failure = Failure;
        if (failure != ProtocolError.None)
        {
            ThrowHelper.ThrowProtocolError(failure);
        }

        if (PeerCloseStatus is { } status && Interlocked.Exchange(ref _closeUndelivered, 0) != 0)
        {
            return new ReceiveResult(0, WebSocketMessageType.Close, true, status, PeerCloseReason);
        }

        if (IsDisposed)
        {
            throw new ObjectDisposedException(nameof(WebSocketConnection));
        }

        if (PeerCloseStatus is null)
        {
            // Aborted (or closed at the close timeout without the peer's answer): as a receive waiting at the time ended.
            throw new OperationCanceledException("The connection was aborted.");
        }

        throw new InvalidOperationException("The peer's close frame was already received; no more messages follow.");
    }

    /// <summary>Section 5.4: continuations only inside a message, new messages only outside one; then the size limit.</summary>
    private void StartDataFrame(FrameHeader header)
    {
        bool compressed = (header.ReservedBits & ReservedBits.Rsv1) != 0;
        if (header.Opcode == Opcode.Continuation)
        {
            if (!_inMessage)
            {
                ThrowHelper.ThrowProtocolError(ProtocolError.UnexpectedContinuation);
            }

            if (compressed)
            {
                // RFC 7692 section 6.1: only a message's first frame says whether it is compressed.
                ThrowHelper.ThrowProtocolError(ProtocolError.ReservedBitsSet);
            }
        }
        else
        {
            if (_inMessage)
            {
                ThrowHelper.ThrowProtocolError(ProtocolError.ExpectedContinuation);
            }

            _inMessage = true;
            _messageType = header.Opcode == Opcode.Text ? WebSocketMessageType.Text : WebSocketMessageType.Binary;
            _messageCharged = 0;
            _utf8.Reset();

            // The frame reader admits RSV1 only when permessage-deflate was agreed.
            _compressedMessage = compressed;
            _compressedBytesSeen = false;
            _tailFed = false;
            _inflatedLength = 0;
        }

        // Judged on declared lengths before any payload is read; tiny fragments pay a minimum so their count is bounded too.
        _messageCharged += Math.Max(header.PayloadLength, _options.MinimumFragmentCharge);
        if (_messageCharged > (_compressedMessage ? _compressedWireLimit : _options.MaxMessageSize))
        {
            ThrowHelper.ThrowProtocolError(ProtocolError.MessageTooLarge);
        }

        _frameIsFinal = header.IsFinal;
        _frameHasMorePieces = header.PayloadLength != 0;
    }

    private ReceiveResult TakeFromPiece(Span<byte> destination)
    {
        int count = CopyFromPiece(destination, out bool isAscii);
        bool endOfMessage = !_hasPiece && !_frameHasMorePieces && _frameIsFinal;

        // ASCII found while unmasking needs no second pass, unless it must first finish a character split before it.
        if (_messageType == WebSocketMessageType.Text && !(isAscii && _utf8.IsComplete) && !_utf8.TryValidate(destination.Slice(0, count), endOfMessage))
        {
            // Fail fast: the bad byte is reported in the piece it arrived in (RFC 6455 section 8.1).
            ThrowHelper.ThrowProtocolError(ProtocolError.InvalidUtf8);
        }

        return endOfMessage ? EndMessage(count) : new ReceiveResult(count, _messageType, false);
    }

    /// <summary>Copies (unmasked) as much of the current piece as fits into <paramref name="destination"/>.</summary>
    private int CopyFromPiece(Span<byte> destination, out bool isAscii)
    {
        int count;
        if (_pieceOffset == 0 && _piece.Payload.Length <= destination.Length)
        {
            // The usual case: the whole piece fits, with no slicing.
            count = _piece.CopyPayloadTo(destination, out isAscii);
        }
        else
        {
            ReadOnlySequence<byte> rest = _piece.Payload.Slice(_pieceOffset);
            count = (int)Math.Min(rest.Length, destination.Length);
            var part = new Frame(_piece.Header, rest.Slice(0, count), _piece.PayloadOffset + _pieceOffset);
            part.CopyPayloadTo(destination, out isAscii);
        }

        _pieceOffset += count;
        _hasPiece = _pieceOffset < _piece.Payload.Length;
        return count;
    }

    /// <summary>
    /// Inflates what has arrived of a compressed message into <paramref name="destination"/>: returns a result once some
    /// output is there or the message ends, or <see langword="null"/> when more of the message must be read first. The
    /// inflated size counts against the limit as it is produced, so a small bomb fails with 1009 after bounded work.
    /// </summary>
    private ReceiveResult? InflateStep(Span<byte> destination)
    {
        int written = 0;
        while (true)
        {
            if (_inflateInputStart == _inflateInputEnd && !RefillInflateInput() && !_tailFed)
            {
                return written > 0 ? new ReceiveResult(written, _messageType, false) : null;
            }

            ReadOnlySpan<byte> input = _inflateInput.AsSpan(_inflateInputStart, _inflateInputEnd - _inflateInputStart);
            InflateStatus status = _deflate!.Inflate(input, destination.Slice(written), out int consumed, out int produced);
            _inflateInputStart += consumed;
            if (produced > 0)
            {
                _inflatedLength += produced;
                if (_inflatedLength > _options.MaxMessageSize)
                {
                    ThrowHelper.ThrowProtocolError(ProtocolError.MessageTooLarge);
                }

                if (_messageType == WebSocketMessageType.Text && !_utf8.TryValidate(destination.Slice(written, produced), isFinal: false))
                {
                    ThrowHelper.ThrowProtocolError(ProtocolError.InvalidUtf8);
                }

                written += produced;
            }

            if (status == InflateStatus.InvalidData)
            {
                ThrowHelper.ThrowProtocolError(ProtocolError.InvalidCompressedData);
            }

            if (status == InflateStatus.OutputFull)
            {
                return new ReceiveResult(written, _messageType, false);
            }

            if (_tailFed && _inflateInputStart == _inflateInputEnd)
            {
                // Everything is inflated; valid data ends between blocks once the tail is in.
                _compressedMessage = false;
                ReturnInflateInput();
                if (!_deflate.EndInboundMessage())
                {
                    ThrowHelper.ThrowProtocolError(ProtocolError.InvalidCompressedData);
                }

                return EndMessage(written);
            }
        }
    }

    /// <summary>Loads the next compressed bytes: from the current piece, or the tail once the last frame is all read.</summary>
    private bool RefillInflateInput()
    {
        _inflateInputStart = 0;
        _inflateInputEnd = 0;
        if (_hasPiece)
        {
            _inflateInput ??= _bufferPool.Rent(4096);
            _inflateInputEnd = CopyFromPiece(_inflateInput, out _);
            _compressedBytesSeen = true;
            return true;
        }

        if (_frameHasMorePieces || !_frameIsFinal || _tailFed)
        {
            return false;
        }

        _tailFed = true;
        if (!_compressedBytesSeen || _deflate!.InboundStreamEnded)
        {
            // No data at all is an empty message (the sender's compressor wrote nothing, so neither side's state moves); data
            // that ended its DEFLATE stream with a final block has nothing after it to read.
            return false;
        }

        _inflateInput ??= _bufferPool.Rent(4096);
        s_deflateTail.CopyTo(_inflateInput, 0);
        _inflateInputEnd = s_deflateTail.Length;
        return true;
    }

    private void ReturnInflateInput()
    {
        byte[]? buffer = Interlocked.Exchange(ref _inflateInput, null);
        _inflateInputStart = _inflateInputEnd = 0;
        if (buffer is not null)
        {
            _bufferPool.Return(buffer);
        }
    }

    private ReceiveResult EndMessage(int count)
    {
        if (_messageType == WebSocketMessageType.Text && !_utf8.TryValidate(ReadOnlySpan<byte>.Empty, isFinal: true))
        {
            ThrowHelper.ThrowProtocolError(ProtocolError.InvalidUtf8);
        }

        _inMessage = false;
        return new ReceiveResult(count, _messageType, true);
    }

    /// <summary>Reads a control frame's payload (at most 125 bytes) and acts on it; returns a result only for a close.</summary>
    private async ValueTask<ReceiveResult?> HandleControlFrameAsync(FrameHeader header, CancellationToken cancellationToken)
    {
        // The frame may have come whole (its payload is in Current) or as a header whose payload follows.
        int length = _reader.Current.CopyPayloadTo(_controlPayload);
        while (await _reader.ReadPayloadAsync(cancellationToken).ConfigureAwait(false))
        {
            length += _reader.Current.CopyPayloadTo(_controlPayload.AsSpan(length));
        }

        switch (header.Opcode)
        {
            case Opcode.Ping:
                // Section 5.5.2: a pong with the same payload, written without holding up the receive.
                QueuePong(_controlPayload.AsSpan(0, length));
                return null;
            case Opcode.Pong:
                // Section 5.5.3: an unsolicited pong is allowed and ignored; any pong proves the peer alive.
                OnPongReceived();
                return null;
            default:
                return await HandleCloseFrameAsync(_controlPayload.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask<ReceiveResult?> HandleCloseFrameAsync(ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        CloseStatus status = CloseStatus.NoStatusReceived;
        string reason = string.Empty;
        if (body.Length == 1)
        {
            ThrowHelper.ThrowProtocolError(ProtocolError.InvalidCloseFrame);
        }

        if (body.Length >= 2)
        {
            ushort code = BinaryPrimitives.ReadUInt16BigEndian(body.Span);
            if (!CloseStatusRules.IsValidReceived(code))
            {
                ThrowHelper.ThrowProtocolError(ProtocolError.InvalidCloseFrame);
            }

            ReadOnlySpan<byte> reasonBytes = body.Span.Slice(2);
            if (!Utf8Validator.IsValid(reasonBytes))
            {
                ThrowHelper.ThrowProtocolError(ProtocolError.InvalidUtf8);
            }

            status = (CloseStatus)code;
            reason = reasonBytes.IsEmpty ? string.Empty : Encoding.UTF8.GetString(reasonBytes.ToArray());
        }

        PeerCloseReason = reason;
        PeerCloseStatus = status;
        if (Volatile.Read(ref _receiving) == SlotDraining)
        {
            // Read by CloseAsync for nobody: the application's next receive gets it. Set before the close is announced, so
            // that a receive which sees the connection ended sees this too.
            Volatile.Write(ref _closeUndelivered, 1);
        }

        CompareExchangeState(WebSocketState.Open, WebSocketState.CloseReceived);
        if (_applicationAnswersClose && !Volatile.Read(ref _closeSent))
        {
            // The application sends the answer (and so ends the handshake) when it chooses to.
            _closeReceived.TrySetResult(true);
            return new ReceiveResult(0, WebSocketMessageType.Close, true, status, reason);
        }

        // Section 5.5.1: answer with a close, echoing the code, unless ours already went out. A peer that stopped reading
        // may leave no room for it (a send stuck in its flush holds the transport): after the close timeout the
        // connection is dropped instead of waiting for ever.
        CloseStatus echo = status == CloseStatus.NoStatusReceived ? CloseStatus.NormalClosure : status;
        bool answered = true;
        using (var timeout = new CancellationTokenSource(_options.CloseTimeout))
        using (CancellationTokenSource linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken))
        {
            try
            {
                await SendCloseAsync(status == CloseStatus.NoStatusReceived ? null : echo, null, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                answered = false;
            }
        }

        _closeReceived.TrySetResult(true);
        if (!answered)
        {
            Abort();
        }
        else if (Role == WebSocketRole.Server)
        {
            // Section 7.1.1: the server closes the TCP connection first.
            await CloseTransportAsync(cancellationToken).ConfigureAwait(false);
        }

        return new ReceiveResult(0, WebSocketMessageType.Close, true, status, reason);
    }
}
