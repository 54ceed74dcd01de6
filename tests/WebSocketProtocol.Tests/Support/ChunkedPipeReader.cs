using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO.Pipelines;
using System.Threading;
using System.Threading.Tasks;

namespace WebSocketProtocol.Tests.Support;

/// <summary>
/// A <see cref="PipeReader"/> that reveals a byte stream one chunk at a time, each chunk its own buffer segment, the way a
/// socket delivers it. A chunk is revealed only when the consumer has examined everything already visible, exactly as a
/// <see cref="Pipe"/> waits for new data; a consumer that examines less gets the same bytes back at once, which
/// <see cref="ReadCalls"/> exposes (a re-parse storm shows up as many more reads than chunks).
/// </summary>
internal sealed class ChunkedPipeReader : PipeReader
{
    private readonly ReadOnlySequence<byte> _all;
    private readonly long[] _chunkEnds;
    private readonly SequencePosition[] _chunkEndPositions;
    private SequencePosition _consumedPosition;
    private int _revealed;
    private long _consumed;
    private long _examined;
    private bool _completed;

    public ChunkedPipeReader(IReadOnlyList<byte[]> chunks)
    {
        _all = SegmentedSequence.Create(chunks, out _chunkEndPositions);
        _consumedPosition = _all.Start;
        _chunkEnds = new long[chunks.Count];
        long end = 0;
        for (int i = 0; i < chunks.Count; i++)
        {
            end += chunks[i].Length;
            _chunkEnds[i] = end;
        }
    }

    public int ReadCalls { get; private set; }

    public long Consumed => _consumed;

    private long VisibleEnd => _revealed == 0 ? 0 : _chunkEnds[_revealed - 1];

    public override bool TryRead(out ReadResult result)
    {
        result = Read();
        return true;
    }

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return new ValueTask<ReadResult>(Read());
    }

    private ReadResult Read()
    {
        if (_completed)
        {
            throw new InvalidOperationException("Reading after Complete.");
        }

        ReadCalls++;
        while (_examined >= VisibleEnd && _revealed < _chunkEnds.Length)
        {
            _revealed++;
        }

        bool isCompleted = _revealed == _chunkEnds.Length;
        // Slicing between positions costs O(1), so a stream of thousands of 1-byte segments stays linear.
        ReadOnlySequence<byte> visible = _revealed == 0 ? ReadOnlySequence<byte>.Empty : _all.Slice(_consumedPosition, _chunkEndPositions[_revealed - 1]);
        return new ReadResult(visible, isCanceled: false, isCompleted);
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        long newConsumed = OffsetOf(consumed);
        long newExamined = OffsetOf(examined);
        if (newConsumed < _consumed || newExamined < newConsumed || newExamined > VisibleEnd)
        {
            throw new InvalidOperationException("AdvanceTo moved backwards or past the visible data.");
        }

        _consumed = newConsumed;
        _consumedPosition = consumed;
        _examined = Math.Max(_examined, newExamined);
    }

    // ReadOnlySequence.GetOffset walks the segments to validate; the running index gives the same answer in O(1).
    private static long OffsetOf(SequencePosition position) =>
        position.GetObject() is ReadOnlySequenceSegment<byte> segment ? segment.RunningIndex + position.GetInteger() : position.GetInteger();

    public override void CancelPendingRead()
    {
    }

    public override void Complete(Exception? exception = null) => _completed = true;
}
