using System;
using System.Diagnostics;
using System.Globalization;
using System.Threading;

namespace ChatServer.Connections;

/// <summary>
/// How many TCP connections the server holds at once, from accept to dispose (a connection still in its handshake
/// counts). Past the cap a new connection is closed as soon as it is accepted, so the server never runs out of file
/// descriptors and the connections it holds go on being served; refusals are printed, at most one line a second.
/// </summary>
internal sealed class ConnectionCap
{
    /// <summary>Descriptors kept back from connections at the least: the runtime's own, the listening sockets, Redis, files.</summary>
    public const long MinimumHeadroom = 256;

    private static readonly long RefusalReportTicks = Stopwatch.Frequency;

    private readonly Action<string> _log;
    private int _limit;
    private int _open;
    private long _refused;
    private long _refusedReported;
    private long _lastReport;

    public ConnectionCap(int limit, Action<string> log)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        _limit = limit;
        _log = log;
    }

    /// <summary>The most connections held at once: the configured cap, or lower once the descriptors ran out below it.</summary>
    public int Limit => Volatile.Read(ref _limit);

    /// <summary>Connections held now.</summary>
    public int Open => Volatile.Read(ref _open);

    /// <summary>Raised for each connection refused (for the server's metrics).</summary>
    public event Action? Refusing;

    /// <summary>Connections refused since the server started.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>
    /// The default cap for a process allowed <paramref name="descriptorLimit"/> descriptors: all of them but a tenth (at
    /// least <see cref="MinimumHeadroom"/>), kept for what else the process opens. Without a known limit, 10,000.
    /// </summary>
    public static int DefaultFor(long? descriptorLimit)
    {
        if (descriptorLimit is not long limit)
        {
            return 10_000;
        }

        long headroom = Math.Max(MinimumHeadroom, limit / 10);
        return (int)Math.Clamp(limit - headroom, 1, int.MaxValue);
    }

    /// <summary>
    /// The process ran out of descriptors with <see cref="Open"/> connections held, fewer than the cap: from now on the
    /// cap is that many less <paramref name="margin"/> (the descriptors given back to the runtime), so the server holds
    /// what it has and takes new connections only as others close. Returns the new cap.
    /// </summary>
    public int LowerToOpen(int margin)
    {
        int lowered = Math.Max(1, Open - margin);
        int current = Volatile.Read(ref _limit);
        while (lowered < current)
        {
            int seen = Interlocked.CompareExchange(ref _limit, lowered, current);
            if (seen == current)
            {
                break;
            }

            current = seen;
        }

        return Limit;
    }

    /// <summary>Takes a place for a connection just accepted; false when the cap is reached (the caller closes it).</summary>
    public bool TryEnter()
    {
        int open = Volatile.Read(ref _open);
        while (open < Limit)
        {
            int seen = Interlocked.CompareExchange(ref _open, open + 1, open);
            if (seen == open)
            {
                return true;
            }

            open = seen;
        }

        NoteRefusal();
        return false;
    }

    /// <summary>Gives back the place of a connection that has been disposed.</summary>
    public void Leave() => Interlocked.Decrement(ref _open);

    private void NoteRefusal()
    {
        Refusing?.Invoke();
        long refused = Interlocked.Increment(ref _refused);
        long now = Stopwatch.GetTimestamp();
        long last = Interlocked.Read(ref _lastReport);

        // One line a second at most, however fast connections are refused: a flood must not become a flood of output.
        if ((last == 0 || now - last >= RefusalReportTicks) && Interlocked.CompareExchange(ref _lastReport, now, last) == last)
        {
            long since = refused - Interlocked.Exchange(ref _refusedReported, refused);
            _log(string.Create(CultureInfo.InvariantCulture, $"Connection cap reached ({Limit} open): refused {since} connection(s), {refused} in all"));
        }
    }
}
