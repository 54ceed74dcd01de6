using System.Net.WebSockets;
using System;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Framing;

namespace WebSocketProtocol.Connection;

/// <content>
/// The connection's timer: keepalive pings and their time-out, the idle time-out, and the frame time-out. One timer per
/// connection, ticking at a quarter of the shortest of them, and none when all are off.
/// </content>
public sealed partial class WebSocketConnection
{
    private readonly bool _keepAliveEnabled;
    private readonly bool _idleTimeoutEnabled;
    private readonly long _frameTimeoutMilliseconds;
    private long _lastReceivedTicks;

    // Set by the receive on every frame and cleared by the tick, which stamps the time: reading a clock per frame would
    // cost more than the rest of a small frame's receive on some machines.
    private int _receivedSinceTick;
    private long _lastPingTicks;
    private long _pingSentTicks;
    private int _pingOutstanding;
    private int _tickBusy;

    /// <summary>Starts the timer if any of the time-outs is on; called once, from the constructor.</summary>
    private Timer? StartTimer()
    {
        TimeSpan frameTimeout = _options.FrameTimeout;
        long shortest = Math.Min(
            Math.Min(
                _keepAliveEnabled ? Math.Min(_options.KeepAliveInterval.Ticks, _options.KeepAliveTimeout.Ticks) : long.MaxValue,
                _idleTimeoutEnabled ? _options.IdleTimeout.Ticks : long.MaxValue),
            IsFinite(frameTimeout) ? frameTimeout.Ticks : long.MaxValue);
        if (shortest == long.MaxValue)
        {
            return null;
        }

        _lastPingTicks = _lastReceivedTicks = MonotonicClock.Milliseconds;
        TimeSpan tick = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(10).Ticks, shortest / 4));
        return new Timer(static state => ((WebSocketConnection)state!).OnTimerTick(), this, tick, tick);
    }

    private void OnPongReceived() => Volatile.Write(ref _pingOutstanding, 0);

    private void OnTimerTick()
    {
        WebSocketState state = State;
        if (state is not (WebSocketState.Open or WebSocketState.CloseSent) || Interlocked.Exchange(ref _tickBusy, 1) != 0)
        {
            return;
        }

        long now = MonotonicClock.Milliseconds;
        if (_frameTimeoutMilliseconds > 0 && _reader.WaitedInsideFrameMilliseconds(now) > _frameTimeoutMilliseconds)
        {
            // The peer began a frame and kept the connection waiting for the rest too long, stalled or trickling, whatever
            // keepalive says (it could not answer a ping from inside the frame anyway). A timer expired, no rule was
            // broken by bytes: 1011, as for keepalive.
            _ = FailAsync(ProtocolError.FrameTimeout).AsTask();
            Volatile.Write(ref _tickBusy, 0);
            return;
        }

        // Keepalive and the idle time-out watch an open connection; once a close is under way, the close timeout does.
        if (state != WebSocketState.Open)
        {
            Volatile.Write(ref _tickBusy, 0);
            return;
        }

        if (Interlocked.Exchange(ref _receivedSinceTick, 0) != 0)
        {
            Volatile.Write(ref _lastReceivedTicks, now);
        }

        if (_idleTimeoutEnabled && now - Volatile.Read(ref _lastReceivedTicks) > (long)_options.IdleTimeout.TotalMilliseconds)
        {
            // Nothing at all arrived for too long: close with 1001, as an endpoint going away.
            _ = FailAsync(ProtocolError.IdleTimeout).AsTask();
            Volatile.Write(ref _tickBusy, 0);
            return;
        }

        if (!_keepAliveEnabled)
        {
            Volatile.Write(ref _tickBusy, 0);
            return;
        }

        if (Volatile.Read(ref _pingOutstanding) != 0)
        {
            if (now - Volatile.Read(ref _pingSentTicks) > (long)_options.KeepAliveTimeout.TotalMilliseconds)
            {
                // The peer vanished (no FIN, no pong): fail with 1011 so the application hears of it.
                _ = FailAsync(ProtocolError.KeepAliveTimeout).AsTask();
            }

            Volatile.Write(ref _tickBusy, 0);
            return;
        }

        if (now - _lastPingTicks < (long)_options.KeepAliveInterval.TotalMilliseconds)
        {
            Volatile.Write(ref _tickBusy, 0);
            return;
        }

        _lastPingTicks = now;
        Volatile.Write(ref _pingSentTicks, now);
        Volatile.Write(ref _pingOutstanding, 1);
        _ = SendKeepAlivePingAsync();
    }

    private async Task SendKeepAlivePingAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(_options.KeepAliveTimeout);
            await SendControlAsync(Opcode.Ping, ReadOnlyMemory<byte>.Empty, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is OperationCanceledException or WebSocketProtocolException or InvalidOperationException or System.IO.IOException)
        {
            // A ping that cannot go out will not be answered either; the timeout check fails the connection.
        }
        finally
        {
            Volatile.Write(ref _tickBusy, 0);
        }
    }
}
