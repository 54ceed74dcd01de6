using System;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Framing;

namespace WebSocketProtocol.Connection;

/// <content>The closing handshake, and the end of the transport after it.</content>
public sealed partial class WebSocketConnection
{
    /// <summary>
    /// Starts (or answers) the closing handshake: sends a close frame with <paramref name="status"/> and
    /// <paramref name="reason"/>, waits for the peer's close frame, then closes the transport (a server first; a client after
    /// the server, RFC 6455 section 7.1.1). Gives up after <see cref="WebSocketConnectionOptions.CloseTimeout"/> and closes
    /// anyway. May be called from any thread: while a receive is pending, that receive meets the peer's close; while none
    /// is, this reads on the application's behalf and discards the messages, until a receive is called again (it takes
    /// over at the next message boundary) or the peer's close arrives (the next receive returns it). Returns at once on a
    /// connection that has ended.
    /// </summary>
    /// <param name="status">A status that may be sent (not 1005, 1006 or 1015).</param>
    /// <param name="reason">At most 123 UTF-8 bytes.</param>
    /// <param name="cancellationToken">Abandons the wait; the transport is closed regardless.</param>
    public Task CloseAsync(CloseStatus status, string? reason = null, CancellationToken cancellationToken = default)
    {
        // Validate before anything goes out, so a bad reason fails the call rather than the connection.
        try
        {
            ValidateClose(status, reason);
        }
        catch (ArgumentException exception)
        {
            return Task.FromException(exception);
        }

        return CloseCoreAsync(status, reason, cancellationToken);
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="status"/> and <paramref name="reason"/> may go in a close frame.</summary>
    internal static void ValidateClose(CloseStatus status, string? reason)
    {
        Span<byte> probe = stackalloc byte[FrameHeader.MaxControlPayloadLength];
        FrameWriter.FormatCloseBody(status, (reason ?? string.Empty).AsSpan(), probe);
    }

    /// <summary>The closing handshake of <see cref="CloseAsync"/>; a <see langword="null"/> status sends a close frame without a body.</summary>
    internal async Task CloseCoreAsync(CloseStatus? status, string? reason, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_options.CloseTimeout);
        using CancellationTokenSource linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            await _sender.SendCloseAsync(status, reason, linked.Token).ConfigureAwait(false);
            await AwaitPeerCloseThenCloseTransportAsync(linked.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is OperationCanceledException or WebSocketProtocolException or InvalidOperationException or System.IO.IOException)
        {
            // No answer in time, or the transport broke: the connection ends here either way.
            Abort();
            if (exception is OperationCanceledException && cancellationToken.IsCancellationRequested)
            {
                throw;
            }
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

        return _sender.SendCloseAsync(status, reason, cancellationToken);
    }

    /// <summary>
    /// Waits for the peer's close, reading for the application if no receive is pending; then, holding the receive slot,
    /// ends the transport. Ends early when the connection does (a server's receive that met the close ended it, or an abort).
    /// </summary>
    private async Task AwaitPeerCloseThenCloseTransportAsync(CancellationToken cancellationToken)
    {
        while (!_protocol.IsEnded)
        {
            if (!_slot.TryEnterDrain())
            {
                // A receive is pending: the application's receive loop meets the peer's close (it is not raced for the slot
                // between two of its receives, so it gets every message up to the close; if it stops receiving, the close
                // timeout ends the wait). If the close came through it already, the transport ends once it is over.
                Task closeReceived = _receiver.CloseReceived;
                await (closeReceived.IsCompleted ? _slot.WaitForFreeAsync(cancellationToken) : ReceiveSlot.WaitAsync(closeReceived, cancellationToken)).ConfigureAwait(false);
                continue;
            }

            bool handedOver = false;
            try
            {
                if (!_receiver.CloseReceived.IsCompleted && !await _receiver.DrainUntilCloseAsync(cancellationToken).ConfigureAwait(false))
                {
                    // A receive asked for the slot between two messages and has it now: it meets the close.
                    handedOver = true;
                    continue;
                }

                if (!_protocol.IsEnded)
                {
                    await CloseTransportAsync(cancellationToken).ConfigureAwait(false);
                }

                return;
            }
            catch
            {
                // Ended before the slot is passed on, so a receive waiting for it finds the connection over rather than
                // reading on from the middle of a message the drain was cut off in.
                Abort();
                throw;
            }
            finally
            {
                if (!handedOver)
                {
                    _slot.LeaveDrain();
                }
            }
        }
    }

    /// <summary>Ends the transport after the closing handshake; the caller holds the receive slot.</summary>
    internal async Task CloseTransportAsync(CancellationToken cancellationToken)
    {
        if (Role == WebSocketRole.Client)
        {
            // RFC 6455 section 7.1.1: the server closes TCP first; the client waits for that end of stream.
            try
            {
                await _input.WaitForEndAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (ConnectionOutput.IsTransportFailure(exception))
            {
                // Released already by a failure path, or the server's end came as a reset or a TLS stream cut short: both
                // close frames went across, so the closing handshake is complete however the transport ended.
            }
        }

        _protocol.MarkClosed();
        _timer?.Dispose();
        _output.CompleteWhenFree(abandonUnflushed: false, _sendSideReleased);
        _input.Complete();
    }

    /// <summary>The connection failed (a timer, or the receive): the close its failure owes goes out within the close timeout, then the transport is dropped.</summary>
    internal async Task SendOwedCloseThenAbortAsync()
    {
        if (!_protocol.IsEnded)
        {
            await _output.WriteOwedWithinAsync(_options.CloseTimeout, CancellationToken.None).ConfigureAwait(false);
        }

        Abort();
    }
}
