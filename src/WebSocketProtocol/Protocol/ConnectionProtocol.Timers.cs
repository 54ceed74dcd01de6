using System.Net.WebSockets;
using System.Threading;

namespace WebSocketProtocol.Protocol;

/// <content>
/// Time: keepalive pings and their time-out, the idle time-out and the frame time-out, judged when the shell's timer ticks.
/// The receiving thread only sets a flag per frame (reading a clock per frame would cost more than the rest of a small
/// frame's receive on some machines) and times its waits for bytes inside a frame; the timer's thread reads them.
/// </content>
internal sealed partial class ConnectionProtocol
{
    private int _receivedSinceTick;
    private long _lastReceived;
    private long _lastPing;
    private long _pingSentAt;
    private int _pingOutstanding;
    private FrameWaitMeter _frameWait;

    /// <summary>The receive starts waiting for more bytes while inside a frame (its header begun, or its payload owed).</summary>
    public void BeginWaitInsideFrame(long now) => _frameWait.BeginWait(now);

    /// <summary>The wait begun by <see cref="BeginWaitInsideFrame"/> has ended.</summary>
    public void EndWaitInsideFrame(long now) => _frameWait.EndWait(now);

    /// <summary>
    /// Judges the timers as of <paramref name="now"/> (milliseconds): a frame the peer began and keeps the connection
    /// waiting for fails it with 1011 (open or closing); on an open connection, nothing received for the idle time-out
    /// closes it with 1001, a keepalive ping unanswered for its time-out fails it with 1011, and a ping falls due at the
    /// interval. Called by the timer's thread, one tick at a time.
    /// </summary>
    public TickAction OnTick(long now)
    {
        WebSocketState state = State;
        if (state is not (WebSocketState.Open or WebSocketState.CloseSent))
        {
            return TickAction.None;
        }

        long frameTimeout = _settings.FrameTimeoutMilliseconds;
        if (frameTimeout > 0 && _frameWait.WaitedMilliseconds(now) > frameTimeout)
        {
            // The peer began a frame and kept the connection waiting for the rest too long, stalled or trickling, whatever
            // keepalive says (it could not answer a ping from inside the frame anyway). A timer expired, no rule was broken
            // by bytes: 1011, as for keepalive.
            return Fail(ProtocolError.FrameTimeout) ? TickAction.Fail : TickAction.None;
        }

        // Keepalive and the idle time-out watch an open connection; once a close is under way, the close timeout does.
        if (state != WebSocketState.Open)
        {
            return TickAction.None;
        }

        if (Interlocked.Exchange(ref _receivedSinceTick, 0) != 0)
        {
            Volatile.Write(ref _lastReceived, now);
        }

        long idleTimeout = _settings.IdleTimeoutMilliseconds;
        if (idleTimeout > 0 && now - Volatile.Read(ref _lastReceived) > idleTimeout)
        {
            // Nothing at all arrived for too long: close with 1001, as an endpoint going away.
            return Fail(ProtocolError.IdleTimeout) ? TickAction.Fail : TickAction.None;
        }

        if (_settings.KeepAliveIntervalMilliseconds <= 0)
        {
            return TickAction.None;
        }

        if (Volatile.Read(ref _pingOutstanding) != 0)
        {
            // The peer vanished (no FIN, no pong): fail with 1011 so the application hears of it.
            return now - Volatile.Read(ref _pingSentAt) > _settings.KeepAliveTimeoutMilliseconds && Fail(ProtocolError.KeepAliveTimeout)
                ? TickAction.Fail
                : TickAction.None;
        }

        if (now - _lastPing < _settings.KeepAliveIntervalMilliseconds)
        {
            return TickAction.None;
        }

        _lastPing = now;
        Volatile.Write(ref _pingSentAt, now);
        Volatile.Write(ref _pingOutstanding, 1);
        return TickAction.SendPing;
    }
}
