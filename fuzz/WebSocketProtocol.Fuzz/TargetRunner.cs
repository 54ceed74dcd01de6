using System;

namespace WebSocketProtocol.Fuzz;

/// <summary>Runs one input through a target and turns runaway allocation into a finding.</summary>
internal static class TargetRunner
{
    // Generous: the largest legitimate cost is a few buffers of the input's size plus a 1 MiB output limit. A parser that
    // allocates in proportion to a length it was told rather than to bytes it received goes far past this.
    private const long FixedAllocationAllowance = 64L * 1024 * 1024;
    private const long AllocationPerInputByte = 256;

    /// <summary>Runs <paramref name="input"/>; throws whatever the target let through, or a finding for excess allocation.</summary>
    public static void Run(IFuzzTarget target, ReadOnlySpan<byte> input)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        target.Run(input);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        long allowed = FixedAllocationAllowance + (AllocationPerInputByte * input.Length);
        if (allocated > allowed)
        {
            throw new FuzzFindingException($"{target.Name} allocated {allocated} bytes for a {input.Length}-byte input (allowed {allowed}).");
        }
    }
}
