using System.Net.WebSockets;
using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO.Pipelines;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Extensions;
using WebSocketProtocol.Framing;
using WebSocketProtocol.Text;

namespace WebSocketProtocol.Connection;

/// <content>Sending: whole and streamed messages, prepared frames, control frames, failure and keepalive.</content>
public sealed partial class WebSocketConnection
{
    // The message being streamed with SendFragmentAsync, which holds _messageLock between calls.
    private bool _streamingSend;
    private bool _streamingCompressed;
    private Utf8Validator _sendUtf8;

    /// <summary>
    /// Sends a whole message, in fragments of <see cref="WebSocketConnectionOptions.FragmentSize"/> when it is longer.
    /// Safe to call from many threads at once: messages go out whole, one after another. With permessage-deflate agreed, a
    /// message of at least the extension's threshold is compressed (each fragment's worth on its own block).
    /// </summary>
    /// <param name="message">The payload; text must be valid UTF-8.</param>
    /// <param name="messageType">Text or binary.</param>
    /// <param name="cancellationToken">Abandons the send.</param>
    public ValueTask SendAsync(ReadOnlyMemory<byte> message, WebSocketMessageType messageType, CancellationToken cancellationToken = default) =>
        SendAsync(message, messageType, mayCompress: true, cancellationToken);

    /// <summary>Sends a whole message; <paramref name="mayCompress"/> false sends it uncompressed even with permessage-deflate agreed.</summary>
    internal ValueTask SendAsync(ReadOnlyMemory<byte> message, WebSocketMessageType messageType, bool mayCompress, CancellationToken cancellationToken)
    {
        Opcode opcode = ToOpcode(messageType);
        if (opcode == Opcode.Text && !Utf8Validator.IsValid(message.Span))
        {
            throw new ArgumentException("A text message must be valid UTF-8 (RFC 6455 section 5.6).", nameof(message));
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return new ValueTask(Task.FromCanceled(cancellationToken));
        }

        int fragment = _options.FragmentSize > 0 ? _options.FragmentSize : int.MaxValue;
        if (mayCompress && _deflate is not null && message.Length >= _deflate.CompressionThreshold)
        {
            return SendFragmentedAsync(message, opcode, fragment, compress: true, cancellationToken);
        }

        if (message.Length <= fragment && TrySendWholeFrames(opcode, message.Span, default, cancellationToken, out ValueTask sent))
        {
            return sent;
        }

        return SendFragmentedAsync(message, opcode, fragment, compress: false, cancellationToken);
    }

    /// <summary>
    /// Writes whole messages of one frame each (the <paramref name="prepared"/> frames, or else <paramref name="payload"/>
    /// as <paramref name="opcode"/>) and flushes once, with no state machine when the frame lock is free and the flush
    /// completes at once. False, with nothing written, when another send holds the lock or a message is between its fragments.
    /// </summary>
    private bool TrySendWholeFrames(Opcode opcode, ReadOnlySpan<byte> payload, PreparedFrames prepared, CancellationToken cancellationToken, out ValueTask sent)
    {
        if (!TryEnterSingleFrameSend())
        {
            sent = default;
            return false;
        }

        // Whole-message frames, written while no other message is between fragments: they cannot interleave with anything.
        bool release = true;
        try
        {
            EnsureCanSend();
            if (prepared.Count == 0)
            {
                _writer.WriteFrame(opcode, payload, isFinal: true);
            }
            else
            {
                WritePrepared(prepared);
            }

            ValueTask<FlushResult> flush = _output.FlushAsync(cancellationToken);
            if (flush.IsCompletedSuccessfully)
            {
                CheckFlush(flush.Result);
                sent = default;
                return true;
            }

            release = false;
            sent = AwaitFlushThenReleaseAsync(flush);
            return true;
        }
        catch (Exception exception)
        {
            // As from the awaited path: a closed connection or a lost transport faults the returned task.
            sent = new ValueTask(Task.FromException(exception));
            return true;
        }
        finally
        {
            if (release)
            {
                _frameLock.Exit();
            }
        }
    }

    private void WritePrepared(PreparedFrames prepared)
    {
        for (int i = 0; i < prepared.Count; i++)
        {
            _writer.WritePrepared(prepared[i]);
        }
    }

    /// <summary>
    /// Takes the frame lock without waiting when no message is being sent in fragments. A single-frame message needs no
    /// message lock: a fragmented message that starts after this check must wait for the frame lock held here.
    /// </summary>
    private bool TryEnterSingleFrameSend()
    {
        if (_messageLock.CurrentCount == 0 || !_frameLock.TryEnter())
        {
            return false;
        }

        if (_messageLock.CurrentCount == 0)
        {
            // A fragmented message may have started between its first frame and ours: take the queue instead.
            _frameLock.Exit();
            return false;
        }

        return true;
    }

    private async ValueTask AwaitFlushThenReleaseAsync(ValueTask<FlushResult> flush)
    {
        try
        {
            CheckFlush(await flush.ConfigureAwait(false));
        }
        finally
        {
            _frameLock.Exit();
        }
    }

    private async ValueTask SendFragmentedAsync(ReadOnlyMemory<byte> message, Opcode opcode, int fragment, bool compress, CancellationToken cancellationToken)
    {
        await _messageLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            do
            {
                int count = Math.Min(fragment, message.Length);
                ValueTask write = compress
                    ? WriteCompressedFrameAsync(opcode, message.Slice(0, count), count == message.Length, cancellationToken)
                    : WriteFrameAsync(opcode, message.Slice(0, count), count == message.Length, cancellationToken);
                await write.ConfigureAwait(false);
                message = message.Slice(count);
                opcode = Opcode.Continuation;
            }
            while (!message.IsEmpty);
        }
        finally
        {
            _messageLock.Release();
        }
    }

    /// <summary>Sends <paramref name="text"/> as one text message.</summary>
    /// <param name="text">The text; unpaired surrogates are refused.</param>
    /// <param name="cancellationToken">Abandons the send.</param>
    public async ValueTask SendTextAsync(string text, CancellationToken cancellationToken = default)
    {
        if (text is null)
        {
            throw new ArgumentNullException(nameof(text));
        }

        int length = Utf8Encoder.GetByteCount(text.AsSpan());
        byte[] buffer = _bufferPool.Rent(Math.Max(length, 1));
        try
        {
            Utf8Encoder.GetBytes(text.AsSpan(), buffer);
            await SendAsync(buffer.AsMemory(0, length), WebSocketMessageType.Text, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _bufferPool.Return(buffer);
        }
    }

    /// <summary>
    /// Streams a message one fragment per call: the first call starts it with <paramref name="messageType"/>, the call with
    /// <paramref name="endOfMessage"/> set ends it. Other messages wait until it ends; control frames may go out between.
    /// </summary>
    /// <param name="fragment">The next bytes; text is validated across calls. With permessage-deflate agreed, each is compressed.</param>
    /// <param name="messageType">Text or binary; the same for every call of one message.</param>
    /// <param name="endOfMessage">Whether this fragment ends the message.</param>
    /// <param name="cancellationToken">Abandons the send.</param>
    public ValueTask SendFragmentAsync(ReadOnlyMemory<byte> fragment, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken = default) =>
        SendFragmentAsync(fragment, messageType, endOfMessage, mayCompress: true, cancellationToken);

    /// <summary>Streams a message; <paramref name="mayCompress"/>, read on its first fragment, false sends it uncompressed.</summary>
    internal async ValueTask SendFragmentAsync(ReadOnlyMemory<byte> fragment, WebSocketMessageType messageType, bool endOfMessage, bool mayCompress, CancellationToken cancellationToken)
    {
        Opcode opcode = ToOpcode(messageType);
        bool starts = !_streamingSend;
        if (starts)
        {
            await _messageLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            _streamingSend = true;
            _streamingCompressed = mayCompress && _deflate is not null;
            _sendUtf8.Reset();
        }
        else
        {
            opcode = Opcode.Continuation;
        }

        // Validated on a copy before anything is written: a refused fragment leaves the message as it was, to be continued.
        Utf8Validator utf8 = _sendUtf8;
        if (messageType == WebSocketMessageType.Text && !utf8.TryValidate(fragment.Span, endOfMessage))
        {
            if (starts)
            {
                EndStreamingSend();
            }

            throw new ArgumentException("A text message must be valid UTF-8 (RFC 6455 section 5.6).", nameof(fragment));
        }

        _sendUtf8 = utf8;
        try
        {
            ValueTask write = _streamingCompressed
                ? WriteCompressedFrameAsync(opcode, fragment, endOfMessage, cancellationToken)
                : WriteFrameAsync(opcode, fragment, endOfMessage, cancellationToken);
            await write.ConfigureAwait(false);
        }
        catch
        {
            // A half-sent message cannot be resumed: end the stream so other senders are not blocked forever.
            EndStreamingSend();
            throw;
        }

        if (endOfMessage)
        {
            EndStreamingSend();
        }
    }

    /// <summary>Writes a frame encoded once for many connections (a broadcast), as a whole message.</summary>
    /// <param name="frame">A final text or binary frame.</param>
    /// <param name="cancellationToken">Abandons the send.</param>
    public ValueTask SendPreparedAsync(PreparedFrame frame, CancellationToken cancellationToken = default)
    {
        CheckPrepared(frame, nameof(frame));
        return SendPreparedCoreAsync(new PreparedFrames(frame), cancellationToken);
    }

    /// <summary>
    /// Writes several prepared frames, each a whole message, in order and with one flush: for broadcasts that queued up
    /// for this connection while it was busy, which then cost the transport one wake-up instead of one each.
    /// </summary>
    /// <param name="frames">Final text or binary frames; an empty list sends nothing.</param>
    /// <param name="cancellationToken">Abandons the send.</param>
    public ValueTask SendPreparedBatchAsync(IReadOnlyList<PreparedFrame> frames, CancellationToken cancellationToken = default)
    {
        if (frames is null)
        {
            throw new ArgumentNullException(nameof(frames));
        }

        for (int i = 0; i < frames.Count; i++)
        {
            CheckPrepared(frames[i], nameof(frames));
        }

        return frames.Count == 0 ? default : SendPreparedCoreAsync(new PreparedFrames(frames), cancellationToken);
    }

    private static void CheckPrepared(PreparedFrame? frame, string parameterName)
    {
        if (frame is null)
        {
            throw new ArgumentNullException(parameterName);
        }

        if (frame.Header.Opcode.IsControl() || frame.Header.Opcode == Opcode.Continuation || !frame.Header.IsFinal)
        {
            throw new ArgumentException("A prepared message is one final text or binary frame.", parameterName);
        }
    }

    private ValueTask SendPreparedCoreAsync(PreparedFrames frames, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return new ValueTask(Task.FromCanceled(cancellationToken));
        }

        return TrySendWholeFrames(default, default, frames, cancellationToken, out ValueTask sent) ? sent : SendPreparedQueuedAsync(frames, cancellationToken);
    }

    private async ValueTask SendPreparedQueuedAsync(PreparedFrames frames, CancellationToken cancellationToken)
    {
        await _messageLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _frameLock.EnterAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                EnsureCanSend();
                WritePrepared(frames);
                await FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _frameLock.Exit();
            }
        }
        finally
        {
            _messageLock.Release();
        }
    }

    /// <summary>One prepared frame or a list of them, so the single case needs no list.</summary>
    private readonly struct PreparedFrames
    {
        private readonly PreparedFrame? _one;
        private readonly IReadOnlyList<PreparedFrame>? _many;

        public PreparedFrames(PreparedFrame one)
        {
            _one = one;
            _many = null;
        }

        public PreparedFrames(IReadOnlyList<PreparedFrame> many)
        {
            _one = null;
            _many = many;
        }

        public int Count => _many?.Count ?? (_one is null ? 0 : 1);

        public PreparedFrame this[int index] => _many is not null ? _many[index] : _one!;
    }

    /// <summary>Sends a ping carrying up to 125 bytes; the peer's pong is absorbed by the receive.</summary>
    /// <param name="payload">Application data the pong will echo.</param>
    /// <param name="cancellationToken">Abandons the send.</param>
    public ValueTask PingAsync(ReadOnlyMemory<byte> payload = default, CancellationToken cancellationToken = default) =>
        SendControlAsync(Opcode.Ping, payload, cancellationToken);

    private void EndStreamingSend()
    {
        _streamingSend = false;
        _messageLock.Release();
    }

    private static Opcode ToOpcode(WebSocketMessageType messageType) => messageType switch
    {
        WebSocketMessageType.Text => Opcode.Text,
        WebSocketMessageType.Binary => Opcode.Binary,
        _ => throw new ArgumentOutOfRangeException(nameof(messageType), "Send text or binary; use CloseAsync to close."),
    };

    private async ValueTask WriteFrameAsync(Opcode opcode, ReadOnlyMemory<byte> payload, bool isFinal, CancellationToken cancellationToken)
    {
        await _frameLock.EnterAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            EnsureCanSend();
            _writer.WriteFrame(opcode, payload.Span, isFinal);
            await FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _frameLock.Exit();
        }
    }

    /// <summary>
    /// Compresses the next part of a message and writes it as one frame, RSV1 on the message's first (RFC 7692 section 6).
    /// Compressing under the frame lock means the compressor's history only ever holds what was written.
    /// </summary>
    private async ValueTask WriteCompressedFrameAsync(Opcode opcode, ReadOnlyMemory<byte> data, bool isFinal, CancellationToken cancellationToken)
    {
        await _frameLock.EnterAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            EnsureCanSend();
            using (PooledBufferWriter compressed = PooledBufferWriter.Rent())
            {
                _deflate!.Compress(data.Span, isFinal, compressed);
                _writer.WriteFrame(opcode, compressed.WrittenSpan, isFinal, opcode == Opcode.Continuation ? ReservedBits.None : ReservedBits.Rsv1);
            }

            await FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _frameLock.Exit();
        }
    }

    private async ValueTask SendControlAsync(Opcode opcode, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        await _frameLock.EnterAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_closeSent)
            {
                // After our close, nothing else may be sent (RFC 6455 section 5.5.1).
                return;
            }

            _writer.WriteFrame(opcode, payload.Span);
            await FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _frameLock.Exit();
        }
    }

    /// <summary>
    /// Sends this side's close frame, once, without waiting for the peer's (a half close: messages may still be received);
    /// a <see langword="null"/> <paramref name="status"/> sends an empty body.
    /// </summary>
    internal ValueTask SendCloseFrameAsync(CloseStatus? status, string? reason, CancellationToken cancellationToken)
    {
        if (status is { } code)
        {
            ValidateClose(code, reason);
        }

        return SendCloseAsync(status, reason, cancellationToken);
    }

    /// <summary>Sends our close frame once; <paramref name="status"/> null sends an empty body.</summary>
    private async ValueTask SendCloseAsync(CloseStatus? status, string? reason, CancellationToken cancellationToken)
    {
        await _frameLock.EnterAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_closeSent || State == WebSocketState.Closed)
            {
                return;
            }

            _closeSent = true;
            if (status is { } code)
            {
                _writer.WriteClose(code, (reason ?? string.Empty).AsSpan());
            }
            else
            {
                _writer.WriteClose();
            }

            CompareExchangeState(WebSocketState.Open, WebSocketState.CloseSent);
            await FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _frameLock.Exit();
        }
    }

    private async ValueTask FlushAsync(CancellationToken cancellationToken) =>
        CheckFlush(await _output.FlushAsync(cancellationToken).ConfigureAwait(false));

    private static void CheckFlush(FlushResult result)
    {
        if (result.IsCompleted || result.IsCanceled)
        {
            // The transport's reading side is gone: the peer cannot receive anything more.
            throw new WebSocketProtocolException(ProtocolError.ConnectionLost);
        }
    }

    private void EnsureCanSend()
    {
        if (_closeSent || State == WebSocketState.Closed)
        {
            ThrowHelper.ThrowInvalidOperation("The connection is closing or closed; no more messages can be sent.");
        }
    }

    /// <summary>Fails the connection: the close code for <paramref name="error"/> goes out when it can, then the transport is dropped.</summary>
    private async ValueTask FailAsync(ProtocolError error)
    {
        // Once, atomically: the timer and the receive may fail the connection at the same moment, and the first one wins.
        if (Interlocked.CompareExchange(ref _failure, (int)error, (int)ProtocolError.None) != (int)ProtocolError.None)
        {
            return;
        }

        CloseStatus status = error.ToCloseStatus();
        if (CloseStatusRules.IsSendable((ushort)status) && !_closeSent && State != WebSocketState.Closed)
        {
            using var timeout = new CancellationTokenSource(_options.CloseTimeout);
            try
            {
                await SendCloseAsync(status, null, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is OperationCanceledException or WebSocketProtocolException or InvalidOperationException or System.IO.IOException)
            {
                // The peer may be unable to take it; the connection is dropped regardless.
            }
        }

        Abort();
    }

    private void CompareExchangeState(WebSocketState expected, WebSocketState next) =>
        Interlocked.CompareExchange(ref _state, (int)next, (int)expected);
}
