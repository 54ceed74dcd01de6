using System.Threading;

namespace WebSocketProtocol.Framing;

/// <summary>
/// How long a <see cref="FrameReader"/> has waited for the rest of the frame it is inside, for a frame timeout: only the
/// waits for bytes count, so neither the idle time between frames nor the time its caller takes between reads (while the
/// peer may be held back by the pipe) is charged to the peer. Written by the reading thread, read by a timer.
/// </summary>
internal struct FrameWaitMeter
{
    // When the wait in progress began (milliseconds), 0 when the reader is not waiting inside a frame.
    private long _waitStarted;

    // Milliseconds waited inside the current frame in waits that have ended.
    private long _waited;

    /// <summary>The reader starts waiting for more bytes of the frame it is inside.</summary>
    public void BeginWait() => Volatile.Write(ref _waitStarted, MonotonicClock.Milliseconds | 1); // never 0, which means "not waiting"

    /// <summary>The wait begun by <see cref="BeginWait"/> has ended, with bytes or without.</summary>
    public void EndWait()
    {
        long started = _waitStarted;
        if (started == 0)
        {
            return;
        }

        // Started cleared first: a reader on the timer's thread may miss this wait for a moment, but never counts it twice.
        long waited = MonotonicClock.Milliseconds - started;
        Volatile.Write(ref _waitStarted, 0);
        Volatile.Write(ref _waited, _waited + waited);
    }

    /// <summary>The frame has been read to its end (or abandoned): the next one starts from nothing.</summary>
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
