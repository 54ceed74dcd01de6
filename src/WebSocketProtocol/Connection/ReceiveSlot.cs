using System;
using System.Threading;
using System.Threading.Tasks;

namespace WebSocketProtocol.Connection;

/// <summary>
/// Who may touch a connection's receive side (its input cursor, the protocol's receive state): one holder at a time, the
/// application's receive, <see cref="WebSocketConnection.CloseAsync"/> reading for an application that is not receiving
/// (draining), or a teardown releasing the input for a moment. Whoever leaves the slot after the connection ended releases
/// what a teardown could not touch while the slot was held, so nothing is released under a receive.
/// </summary>
internal sealed class ReceiveSlot
{
    private const int Free = 0;
    private const int Receiving = 1;
    private const int Draining = 2;
    private const int Releasing = 3;
    private const int Retired = 4;

    private readonly WebSocketConnection _owner;

    // Guards the hand-over between a drain and a receive; taken only when they meet.
    private readonly object _gate = new();

    private int _holder;

    // Set (never cleared) once the connection ends or a close waits for the slot to end the transport: from then on,
    // whoever leaves the slot looks for work. One read on the way out while it is clear.
    private int _exitWork;

    private TaskCompletionSource<bool>? _receiveWaiter;
    private TaskCompletionSource<bool>? _left;

    public ReceiveSlot(WebSocketConnection owner) => _owner = owner;

    /// <summary>Whether a drain holds the slot (it reads for nobody).</summary>
    public bool IsDraining => Volatile.Read(ref _holder) == Draining;

    /// <summary>Whether a receive waits for the drain to pass it the slot; a hint, the hand-over itself is under the gate.</summary>
    public bool HasReceiveWaiting => Volatile.Read(ref _receiveWaiter) is not null;

    /// <summary>The common case: the slot is free and this receive takes it.</summary>
    public bool TryEnter() => TryTake(Receiving);

    /// <summary>A close takes the slot to read for an application that is not receiving.</summary>
    public bool TryEnterDrain() => TryTake(Draining);

    /// <summary>A teardown takes the slot for a few synchronous steps.</summary>
    public bool TryEnterRelease() => TryTake(Releasing);

    /// <summary>The teardown is over for good (after Dispose): the slot is never taken again.</summary>
    public void Retire() => Volatile.Write(ref _holder, Retired);

    /// <summary>From now on, whoever leaves the slot looks for work (the connection ended, or a close waits for it).</summary>
    public void RequireExitWork() => Interlocked.Exchange(ref _exitWork, 1);

    private bool TryTake(int holder) => Interlocked.CompareExchange(ref _holder, holder, Free) == Free;

    /// <summary>
    /// The slot was not free: waits until this receive may run. True when it holds the slot; false when the connection has
    /// ended, and the receive reports that without the slot.
    /// </summary>
    /// <exception cref="InvalidOperationException">Another receive of the application is in progress.</exception>
    public async ValueTask<bool> WaitAsync(CancellationToken cancellationToken)
    {
        var spinner = default(SpinWait);
        while (true)
        {
            switch (Volatile.Read(ref _holder))
            {
                case Free:
                    if (TryEnter())
                    {
                        return true;
                    }

                    break;
                case Releasing:
                    spinner.SpinOnce();
                    break;
                case Retired:
                    return false;
                case Draining when _owner.HasEndedForReceive:
                    // The drain met the peer's close and is ending the transport: the close is this receive's answer.
                    return false;
                case Draining:
                    if (RegisterReceiveWaiter() is { } waiter)
                    {
                        return await WaitForHandOverAsync(waiter, cancellationToken).ConfigureAwait(false);
                    }

                    break;
                default:
                    if (_owner.HasEndedForReceive)
                    {
                        // The receive in progress is returning the end; this one reports it too.
                        return false;
                    }

                    ThrowHelper.ThrowInvalidOperation("Only one receive may be in progress at a time.");
                    break;
            }
        }
    }

    /// <summary>Asks the drain for the slot, which it passes over at the next message boundary; null when it already left.</summary>
    private TaskCompletionSource<bool>? RegisterReceiveWaiter()
    {
        lock (_gate)
        {
            if (Volatile.Read(ref _holder) != Draining)
            {
                return null;
            }

            if (_receiveWaiter is not null)
            {
                ThrowHelper.ThrowInvalidOperation("Only one receive may be in progress at a time.");
            }

            var waiter = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _receiveWaiter, waiter);
            return waiter;
        }
    }

    /// <summary>
    /// Waits for the slot to be passed over (true), or for the connection to end first (false, without the slot). A
    /// cancelled wait takes the receive out of line; if the slot reached it meanwhile, it keeps it.
    /// </summary>
    private async ValueTask<bool> WaitForHandOverAsync(TaskCompletionSource<bool> waiter, CancellationToken cancellationToken)
    {
        using (cancellationToken.Register(static state => ((TaskCompletionSource<bool>)state!).TrySetCanceled(), waiter))
        {
            try
            {
                await Task.WhenAny(waiter.Task, _owner.CloseReceived).ConfigureAwait(false);
                if (!waiter.Task.IsCompleted)
                {
                    // Ended while the drain read (the close arrived, or an abort): no need to wait for it to leave.
                    waiter.TrySetCanceled();
                }

                await waiter.Task.ConfigureAwait(false);
                return true;
            }
            catch (OperationCanceledException)
            {
                bool stillWaiting;
                lock (_gate)
                {
                    stillWaiting = ReferenceEquals(_receiveWaiter, waiter);
                    if (stillWaiting)
                    {
                        _receiveWaiter = null;
                    }
                }

                if (!stillWaiting && waiter.Task.Status == TaskStatus.RanToCompletion)
                {
                    // Passed over just as the wait ended: the slot is this receive's, and it goes on with it.
                    return true;
                }

                cancellationToken.ThrowIfCancellationRequested();
                return false;
            }
        }
    }

    /// <summary>Held by the drain, between messages: passes the slot to a receive waiting for it.</summary>
    public bool TryPassToWaitingReceive()
    {
        lock (_gate)
        {
            return TryPassToWaitingReceiveLocked();
        }
    }

    private bool TryPassToWaitingReceiveLocked()
    {
        TaskCompletionSource<bool>? waiter = _receiveWaiter;
        if (waiter is null)
        {
            return false;
        }

        _receiveWaiter = null;

        // The slot is the receive's before it can run (its continuation runs asynchronously, never under this lock).
        Volatile.Write(ref _holder, Receiving);
        if (!waiter.TrySetResult(true))
        {
            // It gave up (cancelled, or the connection ended) just now: the slot stays with the drain.
            Volatile.Write(ref _holder, Draining);
            return false;
        }

        return true;
    }

    /// <summary>The drain is over: passes the slot to a receive waiting for it, or leaves it.</summary>
    public void LeaveDrain()
    {
        lock (_gate)
        {
            if (TryPassToWaitingReceiveLocked())
            {
                return;
            }

            // Freed under the lock, so a receive that finds the slot held by the drain is sure to be passed it.
            Interlocked.Exchange(ref _holder, Free);
        }

        if (Volatile.Read(ref _exitWork) != 0)
        {
            OnLeft();
        }
    }

    /// <summary>Leaves the slot; after the connection ended, does what could not be done while it was held.</summary>
    public void Exit()
    {
        // A full fence: a teardown sets its flag, then tries the slot; this frees the slot, then reads the flag. One of the
        // two sees the other, so the input and buffers are released exactly once, by whoever comes last.
        Interlocked.Exchange(ref _holder, Free);
        if (Volatile.Read(ref _exitWork) != 0)
        {
            OnLeft();
        }
    }

    /// <summary>A teardown's steps are done and the connection is not disposed: the slot is free again.</summary>
    public void ExitRelease() => Interlocked.Exchange(ref _holder, Free);

    private void OnLeft()
    {
        _owner.OnReceiveSlotLeft();
        TaskCompletionSource<bool>? left;
        lock (_gate)
        {
            left = _left;
            _left = null;
        }

        left?.TrySetResult(true);
    }

    /// <summary>Waits until the receive holding the slot leaves it.</summary>
    public Task WaitForFreeAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource<bool> left;
        lock (_gate)
        {
            left = _left ??= new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        RequireExitWork();
        if (Volatile.Read(ref _holder) is Free or Retired)
        {
            // Left before the flag was seen.
            return Task.CompletedTask;
        }

        return WaitAsync(left.Task, cancellationToken);
    }

    /// <summary>Waits for <paramref name="task"/>, giving up with <see cref="OperationCanceledException"/> when the token is cancelled.</summary>
    public static async Task WaitAsync(Task task, CancellationToken cancellationToken)
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
