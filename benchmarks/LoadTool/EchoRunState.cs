using System.Threading;

namespace WebSocketProtocol.LoadTool;

/// <summary>
/// What every connection of one echo run shares: whether sending goes on, how many messages are left to send in all,
/// and the measured window (as <see cref="System.Diagnostics.Stopwatch"/> timestamps) whose round trips are recorded.
/// </summary>
public sealed class EchoRunState
{
    private long _budget;
    private long _windowStart = long.MaxValue;
    private long _windowEnd = long.MaxValue;
    private volatile bool _sending = true;

    /// <summary>Creates the state with <paramref name="maxMessages"/> to send in all.</summary>
    public EchoRunState(long maxMessages) => _budget = maxMessages;

    /// <summary>Whether connections still send; false once the window ends or the budget is spent.</summary>
    public bool Sending => _sending;

    /// <summary>Whether the whole message budget was spent.</summary>
    public bool BudgetSpent => Volatile.Read(ref _budget) <= 0;

    /// <summary>Stops sending.</summary>
    public void Stop() => _sending = false;

    /// <summary>Opens the measured window at <paramref name="timestamp"/>.</summary>
    public void StartWindow(long timestamp) => Volatile.Write(ref _windowStart, timestamp);

    /// <summary>Closes the measured window at <paramref name="timestamp"/>.</summary>
    public void EndWindow(long timestamp) => Volatile.Write(ref _windowEnd, timestamp);

    /// <summary>Whether a round trip sent at <paramref name="sent"/> and completed at <paramref name="received"/> lies in the window.</summary>
    public bool InWindow(long sent, long received) => sent >= Volatile.Read(ref _windowStart) && received <= Volatile.Read(ref _windowEnd);

    /// <summary>Takes up to <paramref name="wanted"/> messages from the budget; returns how many may be sent (0 when spent or stopped).</summary>
    public int Take(int wanted)
    {
        if (!_sending)
        {
            return 0;
        }

        long left = Interlocked.Add(ref _budget, -wanted);
        if (left >= 0)
        {
            return wanted;
        }

        // Overdrawn: give back what was not there, and stop everyone once nothing is left.
        int granted = (int)System.Math.Max(0, wanted + left);
        Interlocked.Add(ref _budget, wanted - granted);
        if (granted == 0)
        {
            Stop();
        }

        return granted;
    }
}
