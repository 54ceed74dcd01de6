using System.Threading;

namespace WebSocketProtocol.Protocol;

/// <summary>
/// How long the receive has waited for the rest of the frame it is inside, for the frame timeout: only the waits for bytes
/// count, so neither the idle time between frames nor the time the application takes between receives (while the peer
/// may be held back by the pipe) is charged to the peer. Written by the receiving thread, read by the timer's.
/// </summary>
internal struct FrameWaitMeter
{
    // When the wait in progress began (milliseconds), 0 when the receive is not waiting inside a frame.
    private long _waitStarted;

    // Milliseconds waited inside the current frame in waits that have ended.
    private long _waited;

    /// <summary>The receive starts waiting for more bytes of the frame it is inside.</summary>
    public void BeginWait(long now) => Volatile.Write(ref _waitStarted, now | 1); // never 0, which means "not waiting"

    /// <summary>The wait begun by <see cref="BeginWait"/> has ended, with bytes or without.</summary>
    public void EndWait(long now)
    {
        long started = _waitStarted;
        if (started == 0)
        {
            return;
        }

        // Started cleared first: the timer's thread may miss this wait for a moment, but never counts it twice.
        Volatile.Write(ref _waitStarted, 0);
        Volatile.Write(ref _waited, _waited + (now - started));
    }

    /// <summary>The frame has been received to its end (or abandoned): the next one starts from nothing.</summary>
    public void FrameEnded()
    {
        if (_waited != 0)
        {
            Volatile.Write(ref _waited, 0);
        }
    }

    /// <summary>Milliseconds waited inside the current frame as of <paramref name="now"/>, the wait in progress included.</summary>
    public long WaitedMilliseconds(long now)
    {
        long waited = Volatile.Read(ref _waited);
        long started = Volatile.Read(ref _waitStarted);
        return waited + (started == 0 ? 0 : now - started);
    }
}
