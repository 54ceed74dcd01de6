using System.Diagnostics;

namespace WebSocketProtocol;

/// <summary>Milliseconds from a clock that never goes back, on every target (netstandard2.0 lacks TickCount64).</summary>
internal static class MonotonicClock
{
    public static long Milliseconds => (long)(Stopwatch.GetTimestamp() * (1000.0 / Stopwatch.Frequency));
}
