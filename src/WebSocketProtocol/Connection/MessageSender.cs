using System;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Framing;
using WebSocketProtocol.Protocol;
using WebSocketProtocol.Text;

namespace WebSocketProtocol.Connection;

/// <summary>
/// The send side of a <see cref="WebSocketConnection"/>: the protocol writes the frames, under the frame lock; this orders
/// messages (a whole one goes without waiting when nothing is in the way; fragmented and streamed ones hold the message
/// lock from first frame to last, so control frames may go out between their frames) and flushes. Safe from many threads.
/// </summary>
internal sealed class MessageSender
{
    private readonly ConnectionProtocol _protocol;
    private readonly ConnectionOutput _output;
    private readonly WebSocketConnectionOptions _options;

    // The message being streamed with SendFragmentAsync, which holds the message lock between calls.
    private bool _streamingSend;

    public MessageSender(ConnectionProtocol protocol, ConnectionOutput output, WebSocketConnectionOptions options)
    {
        _protocol = protocol;
        _output = output;
        _options = options;
    }

    /// <summary>A whole message, in fragments of the options' size when it is longer; <paramref name="mayCompress"/> false never compresses it.</summary>
    public ValueTask SendAsync(ReadOnlyMemory<byte> message, WebSocketMessageType messageType, bool mayCompress, CancellationToken cancellationToken)
    {
        CheckMessageType(messageType);
        if (messageType == WebSocketMessageType.Text && !Utf8Validator.IsValid(message.Span))
        {
            throw new ArgumentException("A text message must be valid UTF-8 (RFC 6455 section 5.6).", nameof(message));
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return new ValueTask(Task.FromCanceled(cancellationToken));
        }

        int fragment = _options.FragmentSize > 0 ? _options.FragmentSize : int.MaxValue;
        if (message.Length <= fragment)
        {
            return TrySendWhole(message.Span, messageType, mayCompress, default, cancellationToken, out ValueTask sent)
                ? sent
                : SendQueuedAsync(message, messageType, mayCompress, default, cancellationToken);
        }

        return SendFragmentedAsync(message, messageType, fragment, mayCompress && _protocol.Compresses(message.Length), cancellationToken);
    }

    /// <summary>Prepared frames, each a whole message, written with one flush.</summary>
    public ValueTask SendPreparedAsync(PreparedFrames frames, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return new ValueTask(Task.FromCanceled(cancellationToken));
        }

        return TrySendWhole(default, default, false, frames, cancellationToken, out ValueTask sent)
            ? sent
            : SendQueuedAsync(default, default, false, frames, cancellationToken);
    }

    /// <summary>
    /// Writes one whole message (<paramref name="payload"/>, or else the <paramref name="prepared"/> frames) and flushes,
    /// with no state machine when the frame lock is free and the flush completes at once. False, with nothing written, when
    /// another send holds the lock or a message is between its fragments.
    /// </summary>
    private bool TrySendWhole(ReadOnlySpan<byte> payload, WebSocketMessageType messageType, bool mayCompress, PreparedFrames prepared, CancellationToken cancellationToken, out ValueTask sent)
    {
        if (!_output.TryEnterSingleFrameSend())
        {
            sent = default;
            return false;
        }

        try
        {
            WriteWhole(payload, messageType, mayCompress, prepared);
            sent = _output.FlushThenExit(cancellationToken);
        }
        catch (Exception exception)
        {
            // As from the awaited path: a closed connection or a lost transport faults the returned task.
            sent = new ValueTask(Task.FromException(exception));
        }

        return true;
    }

    /// <summary>Whole frames that found the locks taken: they wait for any message between its fragments, then for the frame lock.</summary>
    private async ValueTask SendQueuedAsync(ReadOnlyMemory<byte> payload, WebSocketMessageType messageType, bool mayCompress, PreparedFrames prepared, CancellationToken cancellationToken)
    {
        await _output.MessageLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _output.EnterAsync(cancellationToken).ConfigureAwait(false);
            WriteWhole(payload.Span, messageType, mayCompress, prepared);
            await _output.FlushThenExit(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _output.MessageLock.Release();
        }
    }

    /// <summary>Writes under the frame lock; leaves it when writing fails (the flush leaves it otherwise).</summary>
    private void WriteWhole(ReadOnlySpan<byte> payload, WebSocketMessageType messageType, bool mayCompress, PreparedFrames prepared)
    {
        try
        {
            if (prepared.Count == 0)
            {
                _protocol.WriteMessage(payload, messageType, mayCompress);
                return;
            }

            for (int i = 0; i < prepared.Count; i++)
            {
                _protocol.WritePrepared(prepared[i]);
            }
        }
        catch
        {
            _output.Exit();
            throw;
        }
    }

    private async ValueTask SendFragmentedAsync(ReadOnlyMemory<byte> message, WebSocketMessageType messageType, int fragment, bool compress, CancellationToken cancellationToken)
    {
        await _output.MessageLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            do
            {
                int count = Math.Min(fragment, message.Length);
                await WriteFragmentAsync(message.Slice(0, count), messageType, count == message.Length, compress, validateText: false, cancellationToken).ConfigureAwait(false);
                message = message.Slice(count);
            }
            while (!message.IsEmpty);
        }
        catch
        {
            // A half-sent message cannot be resumed; the next one starts afresh (the peer fails on this one, or is gone).
            _protocol.AbandonMessage();
            throw;
        }
        finally
        {
            _output.MessageLock.Release();
        }
    }

    private async ValueTask WriteFragmentAsync(ReadOnlyMemory<byte> fragment, WebSocketMessageType messageType, bool endOfMessage, bool compress, bool validateText, CancellationToken cancellationToken)
    {
        await _output.EnterAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _protocol.WriteFragment(fragment.Span, messageType, endOfMessage, compress, validateText);
            await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _output.Exit();
        }
    }

    /// <summary>One text message from a string, encoded into a pooled buffer.</summary>
    public async ValueTask SendTextAsync(string text, CancellationToken cancellationToken)
    {
        if (text is null)
        {
            throw new ArgumentNullException(nameof(text));
        }

        int length = Utf8Encoder.GetByteCount(text.AsSpan());
        byte[] buffer = _options.BufferPool.Rent(Math.Max(length, 1));
        try
        {
            Utf8Encoder.GetBytes(text.AsSpan(), buffer);
            await SendAsync(buffer.AsMemory(0, length), WebSocketMessageType.Text, mayCompress: true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _options.BufferPool.Return(buffer);
        }
    }

    /// <summary>The next fragment of a streamed message; <paramref name="mayCompress"/> is read on its first.</summary>
    public async ValueTask SendFragmentAsync(ReadOnlyMemory<byte> fragment, WebSocketMessageType messageType, bool endOfMessage, bool mayCompress, CancellationToken cancellationToken)
    {
        CheckMessageType(messageType);
        bool starts = !_streamingSend;
        if (starts)
        {
            await _output.MessageLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            _streamingSend = true;
        }

        try
        {
            await WriteFragmentAsync(fragment, messageType, endOfMessage, mayCompress, validateText: true, cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException) when (!starts)
        {
            // A refused fragment (invalid text) wrote nothing: the message stays open, to be continued.
            throw;
        }
        catch (Exception exception)
        {
            // Refused as it started, nothing was written; otherwise a half-sent message cannot be resumed. Either way the
            // stream ends, so other senders are not blocked for ever.
            if (exception is not ArgumentException)
            {
                _protocol.AbandonMessage();
            }

            EndStreamingSend();
            throw;
        }

        if (endOfMessage)
        {
            EndStreamingSend();
        }
    }

    private void EndStreamingSend()
    {
        _streamingSend = false;
        _output.MessageLock.Release();
    }

    /// <summary>A ping; nothing goes out after our close.</summary>
    public async ValueTask PingAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        await _output.EnterAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_protocol.WritePing(payload.Span))
            {
                await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _output.Exit();
        }
    }

    /// <summary>This side's close frame, once; a <see langword="null"/> status writes an empty body.</summary>
    public async ValueTask SendCloseAsync(CloseStatus? status, string? reason, CancellationToken cancellationToken)
    {
        await _output.EnterAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_protocol.WriteClose(status, (reason ?? string.Empty).AsSpan()))
            {
                await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _output.Exit();
        }
    }

    /// <summary>Throws unless <paramref name="frame"/> is one final text or binary frame.</summary>
    public static void CheckPrepared(PreparedFrame? frame, string parameterName)
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

    private static void CheckMessageType(WebSocketMessageType messageType)
    {
        if (messageType is not (WebSocketMessageType.Text or WebSocketMessageType.Binary))
        {
            throw new ArgumentOutOfRangeException(nameof(messageType), "Send text or binary; use CloseAsync to close.");
        }
    }
}
