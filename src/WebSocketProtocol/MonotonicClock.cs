#if !NET6_0_OR_GREATER
using System.Diagnostics;
#endif

namespace WebSocketProtocol;

/// <summary>Milliseconds from a clock that never goes back, on every target (netstandard2.0 lacks TickCount64).</summary>
internal static class MonotonicClock
{
#if NET6_0_OR_GREATER
    // The tick count is several times cheaper than a high-resolution timestamp on virtual machines, and timeouts need no more.
    public static long Milliseconds => System.Environment.TickCount64;
#else
    public static long Milliseconds => (long)(Stopwatch.GetTimestamp() * (1000.0 / Stopwatch.Frequency));
#endif
}
