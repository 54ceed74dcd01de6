using System.Net.WebSockets;
using System;
using System.IO.Pipelines;
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
    /// over at the next message boundary) or the peer's close arrives (the next receive returns it).
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
            await SendCloseAsync(status, reason, linked.Token).ConfigureAwait(false);
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
    /// Waits for the peer's close, reading for the application if no receive is pending; then, holding the receive slot,
    /// ends the transport. Ends early when the connection does (a server's receive that met the close ended it, or an abort).
    /// </summary>
    private async Task AwaitPeerCloseThenCloseTransportAsync(CancellationToken cancellationToken)
    {
        while (State != WebSocketState.Closed)
        {
            if (!TryTakeReceiveSlot(SlotDraining))
            {
                if (!_closeReceived.Task.IsCompleted)
                {
                    // A receive is pending: the application's receive loop meets the peer's close. It is not raced for the
                    // slot between two of its receives, so it gets every message up to the close; if it stops receiving,
                    // the close timeout ends the wait.
                    await WaitAsync(_closeReceived.Task, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    // The close came through the application's receive: the transport is ended once that receive is over.
                    await WaitForFreeSlotAsync(cancellationToken).ConfigureAwait(false);
                }

                continue;
            }

            bool handedOver = false;
            try
            {
                if (!_closeReceived.Task.IsCompleted && !await DrainUntilCloseAsync(cancellationToken).ConfigureAwait(false))
                {
                    // A receive asked for the slot between two messages and has it now: it meets the close.
                    handedOver = true;
                    continue;
                }

                await CloseTransportAsync(cancellationToken).ConfigureAwait(false);
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
                    LeaveDrainingSlot();
                }
            }
        }
    }

    /// <summary>
    /// Holding the receive slot for an application that is not receiving, reads and discards messages until the peer's
    /// close (true). A receive called meanwhile asks for the slot: it is handed over at the next message boundary (false),
    /// so that the messages after it reach the application.
    /// </summary>
    private async Task<bool> DrainUntilCloseAsync(CancellationToken cancellationToken)
    {
        // A message the application was streaming (ReceiveAsync) when this began loses its rest here: its next receive must
        // not take the following message for the rest of that one, so it is never handed the slot and gets the close.
        bool mayHandOver = !_inMessage;
        byte[] scratch = _bufferPool.Rent(4096);
        try
        {
            while (true)
            {
                // Only between messages: a piece of one comes back here too, and the rest of it is not the receive's.
                if (mayHandOver && !_inMessage)
                {
                    lock (_slotGate)
                    {
                        if (TryPassSlotToWaitingReceive())
                        {
                            return false;
                        }
                    }
                }

                ReceiveResult result = await ReceiveCoreAsync(scratch, cancellationToken, yieldToWaitingReceive: mayHandOver).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return true;
                }

                // A message read and discarded, or a stop between messages for a waiting receive (passed the slot above,
                // unless it gave up meanwhile).
            }
        }
        finally
        {
            _bufferPool.Return(scratch);
        }
    }

    /// <summary>Ends the transport after the closing handshake; the caller holds the receive slot.</summary>
    private async Task CloseTransportAsync(CancellationToken cancellationToken)
    {
        if (Role == WebSocketRole.Client)
        {
            // RFC 6455 section 7.1.1: the server closes TCP first; the client waits for that end of stream.
            try
            {
                _reader.ReleaseInput();
                while (true)
                {
                    ReadResult read = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
                    _input.AdvanceTo(read.Buffer.End);
                    if (read.IsCompleted || read.IsCanceled)
                    {
                        break;
                    }
                }
            }
            catch (InvalidOperationException)
            {
                // The reader was already released by a failure path.
            }
        }

        Interlocked.Exchange(ref _state, (int)WebSocketState.Closed);
        _timer?.Dispose();
        ReleaseSendSideWhenFree(abandonUnflushed: false);
        ReleaseInput();
    }

    private static async Task WaitAsync(Task task, CancellationToken cancellationToken)
    {
        var cancelled = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        using (cancellationToken.Register(static s => ((TaskCompletionSource<bool>)s!).TrySetResult(true), cancelled))
        {
            if (await Task.WhenAny(task, cancelled.Task).ConfigureAwait(false) != task)
            {
                throw new OperationCanceledException(cancellationToken);
            }
        }
    }
}
