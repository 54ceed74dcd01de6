using System;

namespace ChatServer.Connections;

/// <summary>
/// The pause before retrying an accept that failed for want of resources: 10 ms, doubling up to a second, back to none
/// after an accept succeeds. Retrying at once would fail at once (the connection stays queued) and spin on a core.
/// </summary>
internal struct AcceptBackoff
{
    /// <summary>The first pause.</summary>
    public static readonly TimeSpan Min = TimeSpan.FromMilliseconds(10);

    /// <summary>The longest pause: a freed descriptor is used within a second.</summary>
    public static readonly TimeSpan Max = TimeSpan.FromSeconds(1);

    private TimeSpan _current;

    /// <summary>Failed accepts since the last success.</summary>
    public long Failures { get; private set; }

    /// <summary>Records a failed accept and returns how long to wait before the next.</summary>
    public TimeSpan Fail()
    {
        Failures++;
        _current = _current == TimeSpan.Zero ? Min : TimeSpan.FromTicks(Math.Min(_current.Ticks * 2, Max.Ticks));
        return _current;
    }

    /// <summary>An accept succeeded: the next failure starts from the shortest pause again.</summary>
    public void Reset()
    {
        Failures = 0;
        _current = TimeSpan.Zero;
    }
}
