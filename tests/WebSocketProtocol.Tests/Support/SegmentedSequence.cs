using System;
using System.Buffers;
using System.Collections.Generic;

namespace WebSocketProtocol.Tests.Support;

/// <summary>Builds a <see cref="ReadOnlySequence{T}"/> with one segment per chunk, so parsers meet every segment boundary.</summary>
internal static class SegmentedSequence
{
    public static ReadOnlySequence<byte> Create(IReadOnlyList<byte[]> chunks) => Create(chunks, out _);

    /// <summary>Also returns the position just past each chunk, so callers can slice without walking segments.</summary>
    public static ReadOnlySequence<byte> Create(IReadOnlyList<byte[]> chunks, out SequencePosition[] chunkEnds)
    {
        chunkEnds = new SequencePosition[chunks.Count];
        if (chunks.Count == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        var first = new Segment(chunks[0], 0);
        Segment last = first;
        chunkEnds[0] = new SequencePosition(first, chunks[0].Length);
        for (int i = 1; i < chunks.Count; i++)
        {
            last = last.Append(chunks[i]);
            chunkEnds[i] = new SequencePosition(last, chunks[i].Length);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>Splits <paramref name="bytes"/> into chunks of the given sizes (the last chunk takes the rest).</summary>
    public static List<byte[]> Split(byte[] bytes, IEnumerable<int> sizes)
    {
        var chunks = new List<byte[]>();
        int position = 0;
        foreach (int size in sizes)
        {
            if (position >= bytes.Length)
            {
                break;
            }

            int take = Math.Min(Math.Max(size, 1), bytes.Length - position);
            chunks.Add(bytes.AsSpan(position, take).ToArray());
            position += take;
        }

        if (position < bytes.Length)
        {
            chunks.Add(bytes.AsSpan(position).ToArray());
        }

        return chunks;
    }

    /// <summary>Splits <paramref name="bytes"/> into 1-byte chunks.</summary>
    public static List<byte[]> SplitIntoBytes(byte[] bytes)
    {
        var chunks = new List<byte[]>(bytes.Length);
        foreach (byte b in bytes)
        {
            chunks.Add(new[] { b });
        }

        return chunks;
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
