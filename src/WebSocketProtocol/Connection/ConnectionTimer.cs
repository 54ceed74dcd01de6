using System;
using System.Threading;
using WebSocketProtocol.Protocol;

namespace WebSocketProtocol.Connection;

/// <summary>
/// A connection's one timer, ticking at a quarter of the shortest of its time-outs (keepalive, idle, frame), and none when
/// all are off. Each tick asks the protocol what is due and hands it to the connection: a keepalive ping, or the failure a
/// time-out caused. One tick at a time; a ping being sent holds the next ones off.
/// </summary>
internal sealed class ConnectionTimer : IDisposable
{
    private readonly WebSocketConnection _connection;
    private readonly Timer _timer;
    private int _busy;

    private ConnectionTimer(WebSocketConnection connection, TimeSpan period)
    {
        _connection = connection;
        _timer = new Timer(static state => ((ConnectionTimer)state!).OnTick(), this, period, period);
    }

    /// <summary>Starts a timer for <paramref name="connection"/>, or none when <paramref name="settings"/> turn every time-out off.</summary>
    public static ConnectionTimer? Start(WebSocketConnection connection, ProtocolSettings settings)
    {
        long keepAlive = settings.KeepAliveIntervalMilliseconds > 0 ? Math.Min(settings.KeepAliveIntervalMilliseconds, settings.KeepAliveTimeoutMilliseconds) : long.MaxValue;
        long idle = settings.IdleTimeoutMilliseconds > 0 ? settings.IdleTimeoutMilliseconds : long.MaxValue;
        long frame = settings.FrameTimeoutMilliseconds > 0 ? settings.FrameTimeoutMilliseconds : long.MaxValue;
        long shortest = Math.Min(Math.Min(keepAlive, idle), frame);
        return shortest == long.MaxValue ? null : new ConnectionTimer(connection, TimeSpan.FromMilliseconds(Math.Max(10, shortest / 4)));
    }

    /// <summary>The keepalive ping handed out by a tick has gone out (or failed to): the next tick may run.</summary>
    public void PingDone() => Volatile.Write(ref _busy, 0);

    public void Dispose() => _timer.Dispose();

    private void OnTick()
    {
        if (Interlocked.Exchange(ref _busy, 1) != 0)
        {
            return;
        }

        switch (_connection.Protocol.OnTick(MonotonicClock.Milliseconds))
        {
            case TickAction.SendPing:
                // Clears the busy flag when the ping is out.
                _ = _connection.SendKeepAlivePingAsync();
                return;
            case TickAction.Fail:
                _ = _connection.SendOwedCloseThenAbortAsync();
                break;
        }

        Volatile.Write(ref _busy, 0);
    }
}
