using System;

namespace WebSocketProtocol.Tests.Support;

/// <summary>
/// Measures what one thread allocates over a run of iterations after a warm-up. The runtime may itself allocate once on
/// the thread while it swaps in recompiled code for a hot method (tiered compilation), at a moment that depends on timing;
/// so a run that shows allocation is measured once more, and code that allocates per iteration shows it in both runs.
/// </summary>
internal static class SteadyState
{
    public static long AllocatedBytes(Action iteration, int warmup, int iterations)
    {
        for (int i = 0; i < warmup; i++)
        {
            iteration();
        }

        long first = Measure(iteration, iterations);
        return first == 0 ? 0 : Measure(iteration, iterations);
    }

    private static long Measure(Action iteration, int iterations)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < iterations; i++)
        {
            iteration();
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}
