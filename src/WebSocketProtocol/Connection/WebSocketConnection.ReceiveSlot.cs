using System.Net.WebSockets;
using System;
using System.Threading;
using System.Threading.Tasks;

namespace WebSocketProtocol.Connection;

/// <content>
/// The receive slot: who may touch the receive side (the frame reader, the input pipe, the message and inflate buffers).
/// One holder at a time: the application's receive, <see cref="CloseAsync"/> reading for an application that is not
/// receiving, or a teardown (abort, dispose) releasing the input for a moment. Whoever leaves the slot after the connection
/// has closed releases what a teardown could not touch while the slot was held, so nothing is released under a receive.
/// </content>
public sealed partial class WebSocketConnection
{
    private const int SlotFree = 0;
    private const int SlotReceiving = 1;
    private const int SlotDraining = 2;
    private const int SlotReleasing = 3;
    private const int SlotRetired = 4;

    private int _receiving;

    // Set (never cleared) once the connection closes or a close waits for the slot to end the transport: from then on,
    // whoever leaves the slot looks for work. One read on the way out while it is clear.
    private int _slotExitWork;

    // Set when CloseAsync read the peer's close for an application that was not receiving: its next receive returns it.
    private int _closeUndelivered;

    // Guards the hand-over between CloseAsync's reading and a receive; taken only when they meet.
    private readonly object _slotGate = new();
    private TaskCompletionSource<bool>? _receiveWaiter;
    private TaskCompletionSource<bool>? _slotLeft;

    // Set when CloseAsync, reading for the application, read a frame between messages and then passed the slot to a
    // receive: the frame is in the reader's Current, for that receive to process instead of reading.
    private bool _frameReadForNextReceive;

    /// <summary>What <see cref="ReceiveCoreAsync"/> returns to CloseAsync's reading when it stops for a waiting receive: no receive produces a negative count.</summary>
    private static readonly ReceiveResult YieldedToWaitingReceive = new(-1, WebSocketMessageType.Binary, false);

    /// <summary>Whether a receive waits for CloseAsync's reading to pass it the slot; a hint, the hand-over itself is under the gate.</summary>
    private bool HasReceiveWaiting => Volatile.Read(ref _receiveWaiter) is not null;

    /// <summary>The common case: the slot is free and this receive takes it.</summary>
    private bool TryEnterReceive() => TryTakeReceiveSlot(SlotReceiving);

    private bool TryTakeReceiveSlot(int holder) => Interlocked.CompareExchange(ref _receiving, holder, SlotFree) == SlotFree;

    /// <summary>
    /// Whether the connection has ended for receiving: the peer's close arrived, it failed, or it was aborted. Closed counts
    /// on its own: an abort closes first, and a receive leaving the slot may release the input before the abort goes on.
    /// </summary>
    private bool HasEndedForReceive => _closeReceived.Task.IsCompleted || Failure != ProtocolError.None || State == WebSocketState.Closed;

    /// <summary>
    /// The slot was not free: waits until this receive may run. True when it holds the slot; false when the connection has
    /// ended, and the receive reports that without the slot (<see cref="ReceiveAfterEnd"/> touches nothing the slot guards).
    /// </summary>
    /// <exception cref="InvalidOperationException">Another receive of the application is in progress.</exception>
    private async ValueTask<bool> WaitForReceiveSlotAsync(CancellationToken cancellationToken)
    {
        var spinner = default(SpinWait);
        while (true)
        {
            switch (Volatile.Read(ref _receiving))
            {
                case SlotFree:
                    if (TryEnterReceive())
                    {
                        return true;
                    }

                    break;
                case SlotReleasing:
                    // A teardown holds it for a few synchronous steps.
                    spinner.SpinOnce();
                    break;
                case SlotRetired:
                    return false;
                case SlotDraining when HasEndedForReceive:
                    // CloseAsync met the peer's close and is ending the transport: the close is this receive's answer.
                    return false;
                case SlotDraining:
                    if (RegisterReceiveWaiter() is { } waiter)
                    {
                        return await WaitForHandOverAsync(waiter, cancellationToken).ConfigureAwait(false);
                    }

                    break;
                default:
                    if (HasEndedForReceive)
                    {
                        // The receive in progress is returning the end; this one reports it too.
                        return false;
                    }

                    ThrowHelper.ThrowInvalidOperation("Only one receive may be in progress at a time.");
                    break;
            }
        }
    }

    /// <summary>
    /// Asks CloseAsync's reading for the slot, which it passes over at the next message boundary (once a read it waits in
    /// has completed: it is never cut short); null when the reading has already left the slot (look again).
    /// </summary>
    private TaskCompletionSource<bool>? RegisterReceiveWaiter()
    {
        lock (_slotGate)
        {
            if (Volatile.Read(ref _receiving) != SlotDraining)
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
    /// cancelled wait takes the receive out of line; if the slot reached it meanwhile, it leaves it again.
    /// </summary>
    private async ValueTask<bool> WaitForHandOverAsync(TaskCompletionSource<bool> waiter, CancellationToken cancellationToken)
    {
        using (cancellationToken.Register(static state => ((TaskCompletionSource<bool>)state!).TrySetCanceled(), waiter))
        {
            try
            {
                await Task.WhenAny(waiter.Task, _closeReceived.Task).ConfigureAwait(false);
                if (!waiter.Task.IsCompleted)
                {
                    // Ended while CloseAsync read (the close arrived, or an abort): no need to wait for it to leave.
                    waiter.TrySetCanceled();
                }

                await waiter.Task.ConfigureAwait(false);
                return true;
            }
            catch (OperationCanceledException)
            {
                bool stillWaiting;
                lock (_slotGate)
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

    /// <summary>Held by CloseAsync's reading, under <see cref="_slotGate"/>: passes the slot to a receive waiting for it.</summary>
    private bool TryPassSlotToWaitingReceive()
    {
        TaskCompletionSource<bool>? waiter = _receiveWaiter;
        if (waiter is null)
        {
            return false;
        }

        _receiveWaiter = null;

        // The slot is the receive's before it can run (its continuation runs asynchronously, never under this lock).
        Volatile.Write(ref _receiving, SlotReceiving);
        if (!waiter.TrySetResult(true))
        {
            // It gave up (cancelled, or the connection ended) just now: the slot stays with the drain.
            Volatile.Write(ref _receiving, SlotDraining);
            return false;
        }

        return true;
    }

    /// <summary>CloseAsync's reading is over: passes the slot to a receive waiting for it, or leaves it.</summary>
    private void LeaveDrainingSlot()
    {
        lock (_slotGate)
        {
            if (TryPassSlotToWaitingReceive())
            {
                return;
            }

            // Freed under the lock, so a receive that finds the slot held by the drain is sure to be passed it.
            Interlocked.Exchange(ref _receiving, SlotFree);
        }

        if (Volatile.Read(ref _slotExitWork) != 0)
        {
            OnReceiveSlotLeft();
        }
    }

    /// <summary>Leaves the slot; after a close, abort or dispose, does what could not be done while it was held.</summary>
    private void ExitReceive()
    {
        // A full fence: a teardown sets its flag, then tries the slot; this frees the slot, then reads the flag. One of
        // the two sees the other, so the input and buffers are released exactly once, by whoever comes last.
        Interlocked.Exchange(ref _receiving, SlotFree);
        if (Volatile.Read(ref _slotExitWork) != 0)
        {
            OnReceiveSlotLeft();
        }
    }

    private void OnReceiveSlotLeft()
    {
        if (State == WebSocketState.Closed || IsDisposed)
        {
            ReleaseReceiveSideIfFree();
        }

        TaskCompletionSource<bool>? left;
        lock (_slotGate)
        {
            left = _slotLeft;
            _slotLeft = null;
        }

        left?.TrySetResult(true);
    }

    /// <summary>
    /// With the connection closed: releases the input, and after Dispose returns the buffers and retires the slot for good,
    /// if nobody holds it; else its holder does so as it leaves.
    /// </summary>
    private void ReleaseReceiveSideIfFree()
    {
        while (TryTakeReceiveSlot(SlotReleasing))
        {
            ReleaseInput();
            if (IsDisposed)
            {
                ReturnMessageBuffer();
                ReturnInflateInput();
                Volatile.Write(ref _receiving, SlotRetired);
                OnSideRetired();
                return;
            }

            // Dispose may come between the check and the freeing, find the slot held, and count on this: look again.
            Interlocked.Exchange(ref _receiving, SlotFree);
            if (!IsDisposed)
            {
                return;
            }
        }
    }

    /// <summary>Waits until the receive holding the slot leaves it.</summary>
    private Task WaitForFreeSlotAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource<bool> left;
        lock (_slotGate)
        {
            left = _slotLeft ??= new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        Interlocked.Exchange(ref _slotExitWork, 1);
        if (Volatile.Read(ref _receiving) is SlotFree or SlotRetired)
        {
            // Left before the flag was seen.
            return Task.CompletedTask;
        }

        return WaitAsync(left.Task, cancellationToken);
    }
}
