using System;
using System.Buffers;
using System.IO.Pipelines;
using System.Threading.Tasks;

namespace WebSocketProtocol.Fuzz.Support;

/// <summary>
/// A pipe whose reader runs on the writer's thread: each flush runs the waiting reader until it needs more, so a whole
/// exchange is synchronous and deterministic, and a reader still waiting once the input has ended is a hang, not a race.
/// </summary>
internal static class InlinePipe
{
    /// <summary>The segment sizes a setting picks from: one byte, a header's worth, odd, and the default.</summary>
    private static readonly int[] SegmentSizes = { 1, 7, 64, 4096 };

    /// <summary>A pipe whose segments are the size the low two bits of <paramref name="setting"/> pick; it never pauses the writer.</summary>
    public static Pipe Create(int setting)
    {
        int segmentSize = SegmentSizes[setting & 3];
        return new Pipe(new PipeOptions(
            pool: new SmallSegmentPool(segmentSize),
            readerScheduler: PipeScheduler.Inline,
            writerScheduler: PipeScheduler.Inline,
            pauseWriterThreshold: 0,
            resumeWriterThreshold: 0,
            minimumSegmentSize: segmentSize,
            useSynchronizationContext: false));
    }

    /// <summary>
    /// Writes <paramref name="data"/> in the pieces <paramref name="plan"/> cuts, flushing after each, until it is all written
    /// or the reader has completed; then completes the writer. Bytes the reader never takes stay in the pipe.
    /// </summary>
    public static void Feed(PipeWriter writer, ReadOnlySpan<byte> data, ref ChunkPlan plan)
    {
        int position = 0;
        while (position < data.Length)
        {
            int size = plan.Next(data.Length - position);
            writer.Write(data.Slice(position, size));
            position += size;
            ValueTask<FlushResult> flush = writer.FlushAsync();
            if (!flush.IsCompleted)
            {
                throw new FuzzFindingException("A flush of a pipe that never pauses did not complete at once.");
            }

            if (flush.Result.IsCompleted)
            {
                break;
            }
        }

        writer.Complete();
    }

    /// <summary>Throws a finding when <paramref name="consumer"/> is still waiting after its whole input arrived.</summary>
    public static void RequireFinished(Task consumer, string what)
    {
        if (!consumer.IsCompleted)
        {
            throw new FuzzFindingException($"{what} was still waiting after its input had ended.");
        }
    }
}
