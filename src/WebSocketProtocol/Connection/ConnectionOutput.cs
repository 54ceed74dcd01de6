using System;
using System.IO.Pipelines;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Protocol;

namespace WebSocketProtocol.Connection;

/// <summary>
/// The connection's output pipe and the two locks that order what goes into it: the message lock (one message sent in
/// fragments at a time) and the frame lock (one batch of frames written and flushed at a time; its holder alone touches
/// the pipe and the protocol's send side). Also the writer of the frames the protocol owes (pongs, close answers), which
/// runs beside the receive so that answering a ping never holds it up.
/// </summary>
internal sealed class ConnectionOutput
{
    private readonly PipeWriter _pipe;
    private readonly ConnectionProtocol _protocol;
    private readonly TimeSpan _owedFlushLimit;
    private readonly Action _owedFlushStalled;
    private readonly AsyncMutex _frameLock = new();
    private int _completed;

    /// <param name="pipe">Bytes to the peer.</param>
    /// <param name="protocol">Whose frames go out.</param>
    /// <param name="owedFlushLimit">How long a pong may wait for a peer that stopped reading (the keepalive timeout).</param>
    /// <param name="owedFlushStalled">Called when it waited that long: the connection gives up on the peer.</param>
    public ConnectionOutput(PipeWriter pipe, ConnectionProtocol protocol, TimeSpan owedFlushLimit, Action owedFlushStalled)
    {
        _pipe = pipe;
        _protocol = protocol;
        _owedFlushLimit = owedFlushLimit;
        _owedFlushStalled = owedFlushStalled;
    }

    /// <summary>Held by a message sent in fragments (and by queued prepared frames) from its first frame to its last.</summary>
    public SemaphoreSlim MessageLock { get; } = new(1, 1);

    /// <summary>Takes the frame lock, waiting behind its holder.</summary>
    public Task EnterAsync(CancellationToken cancellationToken = default) => _frameLock.EnterAsync(cancellationToken);

    /// <summary>Takes the frame lock if it is free.</summary>
    public bool TryEnter() => _frameLock.TryEnter();

    /// <summary>Leaves the frame lock.</summary>
    public void Exit() => _frameLock.Exit();

    /// <summary>
    /// Takes the frame lock without waiting when no message is being sent in fragments. A single-frame message needs no
    /// message lock: a fragmented message that starts after this check must wait for the frame lock held here.
    /// </summary>
    public bool TryEnterSingleFrameSend()
    {
        if (MessageLock.CurrentCount == 0 || !_frameLock.TryEnter())
        {
            return false;
        }

        if (MessageLock.CurrentCount == 0)
        {
            // A fragmented message may have started between its first frame and ours: take the queue instead.
            _frameLock.Exit();
            return false;
        }

        return true;
    }

    /// <summary>Flushes what the holder of the frame lock wrote.</summary>
    /// <exception cref="WebSocketProtocolException">The transport's reading side is gone (<see cref="ProtocolError.ConnectionLost"/>).</exception>
    public async ValueTask FlushAsync(CancellationToken cancellationToken) =>
        CheckFlush(await _pipe.FlushAsync(cancellationToken).ConfigureAwait(false));

    /// <summary>Flushes, then leaves the frame lock: with no state machine when the flush completes at once.</summary>
    public ValueTask FlushThenExit(CancellationToken cancellationToken)
    {
        ValueTask<FlushResult> flush;
        try
        {
            flush = _pipe.FlushAsync(cancellationToken);
            if (flush.IsCompletedSuccessfully)
            {
                CheckFlush(flush.Result);
                _frameLock.Exit();
                return default;
            }
        }
        catch
        {
            _frameLock.Exit();
            throw;
        }

        return AwaitFlushThenExitAsync(flush);
    }

    private async ValueTask AwaitFlushThenExitAsync(ValueTask<FlushResult> flush)
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

    /// <summary>Starts the writer of owed frames, unless one runs or nothing is owed. Usually completes synchronously.</summary>
    public void StartOwedWriter()
    {
        if (_protocol.TryStartOwedWriter())
        {
            _ = WriteOwedFramesAsync();
        }
    }

    private async Task WriteOwedFramesAsync()
    {
        try
        {
            while (true)
            {
                await _frameLock.EnterAsync().ConfigureAwait(false);
                try
                {
                    if (_protocol.WriteOwedFrames())
                    {
                        await FlushOwedAsync().ConfigureAwait(false);
                    }
                    else if (_protocol.TryEndOwedWriter())
                    {
                        return;
                    }
                }
                finally
                {
                    _frameLock.Exit();
                }
            }
        }
        catch (Exception exception) when (exception is WebSocketProtocolException || IsTransportFailure(exception))
        {
            // The transport is gone; the receive or the next send reports it. Nothing is owed on a dead connection.
            _protocol.DropOwedFrames();
        }
    }

    /// <summary>
    /// Flushes owed frames, which no caller waits on and so no caller's token bounds, while holding the frame lock: a peer
    /// that stops reading would block every send for ever (with keepalive off, nothing else ever ends it). After the
    /// keepalive timeout, the time the peer's own pings may fairly wait for their pongs, the connection gives up on it.
    /// </summary>
    private async ValueTask FlushOwedAsync()
    {
        ValueTask<FlushResult> flush = _pipe.FlushAsync();
        if (flush.IsCompleted)
        {
            CheckFlush(flush.Result);
            return;
        }

        using var stalled = new CancellationTokenSource(_owedFlushLimit);
        using (stalled.Token.Register(static state => ((Action)state!)(), _owedFlushStalled))
        {
            CheckFlush(await flush.ConfigureAwait(false));
        }
    }

    /// <summary>
    /// Writes what is owed (a close answer, a failure's close) and flushes it, within <paramref name="limit"/>: false when
    /// it could not go out in time or the transport is gone (the caller then drops the connection).
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<bool> WriteOwedWithinAsync(TimeSpan limit, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(limit);
        using CancellationTokenSource linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            await _frameLock.EnterAsync(linked.Token).ConfigureAwait(false);
            try
            {
                if (_protocol.WriteOwedFrames())
                {
                    await FlushAsync(linked.Token).ConfigureAwait(false);
                }
            }
            finally
            {
                _frameLock.Exit();
            }

            return true;
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested && (exception is OperationCanceledException or WebSocketProtocolException || IsTransportFailure(exception)))
        {
            return false;
        }
    }

    /// <summary>Wakes a flush waiting for the peer, which ends cancelled. Safe from any thread.</summary>
    public void CancelPendingFlush()
    {
        if (Volatile.Read(ref _completed) == 0)
        {
            try
            {
                _pipe.CancelPendingFlush();
            }
            catch (Exception exception) when (IsTransportFailure(exception))
            {
                // Completed meanwhile: nothing waits in it any more.
            }
        }
    }

    /// <summary>
    /// Completes the output and runs <paramref name="released"/> once the frame lock is free (at once when it is): a send
    /// holding it sees the connection ended, or is woken from its flush, and leaves soon.
    /// </summary>
    public void CompleteWhenFree(bool abandonUnflushed, Action released)
    {
        if (!_frameLock.TryEnter())
        {
            _ = CompleteAfterFrameLockAsync(abandonUnflushed, released);
            return;
        }

        try
        {
            Complete(abandonUnflushed);
            released();
        }
        finally
        {
            _frameLock.Exit();
        }
    }

    private async Task CompleteAfterFrameLockAsync(bool abandonUnflushed, Action released)
    {
        await _frameLock.EnterAsync().ConfigureAwait(false);
        try
        {
            Complete(abandonUnflushed);
            released();
        }
        finally
        {
            _frameLock.Exit();
        }
    }

    /// <summary>Completes the output once; the frame lock is held, so no holder after this one writes.</summary>
    private void Complete(bool abandonUnflushed)
    {
        if (Interlocked.Exchange(ref _completed, 1) != 0)
        {
            return;
        }

        try
        {
            // Bytes still unflushed belong to a send being abandoned (one cancelled while the peer read nothing): a stream's
            // writer would write them synchronously on Complete, which can block for ever. An error drops them.
            Exception? abandoned = abandonUnflushed && _pipe.CanGetUnflushedBytes && _pipe.UnflushedBytes > 0
                ? new OperationCanceledException("The connection was aborted with a send unfinished.")
                : null;
            _pipe.Complete(abandoned);
        }
        catch (Exception exception) when (IsTransportFailure(exception))
        {
            // Completing may flush what is left into a transport that is already broken; it is closed either way.
        }
    }

    /// <summary>What a transport that broke or was closed under the connection throws.</summary>
    public static bool IsTransportFailure(Exception exception) =>
        exception is System.IO.IOException or InvalidOperationException or ObjectDisposedException or System.Net.Sockets.SocketException;

    private static void CheckFlush(FlushResult result)
    {
        if (result.IsCompleted || result.IsCanceled)
        {
            // The transport's reading side is gone: the peer cannot receive anything more.
            throw new WebSocketProtocolException(ProtocolError.ConnectionLost);
        }
    }
}
