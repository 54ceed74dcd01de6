using System;
using System.Buffers;

namespace WebSocketProtocol.Benchmarks;

/// <summary>A minimal <see cref="ReadOnlySequenceSegment{T}"/> for building multi-segment sequences once, in setup.</summary>
public sealed class BufferSegment : ReadOnlySequenceSegment<byte>
{
    /// <summary>Creates a segment over <paramref name="memory"/> that starts at <paramref name="runningIndex"/> in its sequence.</summary>
    public BufferSegment(ReadOnlyMemory<byte> memory, long runningIndex = 0)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    /// <summary>Chains a new segment over <paramref name="memory"/> after this one and returns it.</summary>
    public BufferSegment Append(ReadOnlyMemory<byte> memory)
    {
        var next = new BufferSegment(memory, RunningIndex + Memory.Length);
        Next = next;
        return next;
    }
}
