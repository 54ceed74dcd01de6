using System;
using System.Buffers;
using System.IO.Pipelines;
using System.Threading;
using System.Threading.Tasks;

namespace WebSocketProtocol.Benchmarks;

/// <summary>
/// A <see cref="PipeReader"/> that replays one byte array forever, allocating nothing per call, so a reader can be
/// benchmarked in its steady state without a producer. Every read completes synchronously.
/// </summary>
/// <remarks>
/// A read hands out the unconsumed rest of the array, up to its end; once everything up to the end is consumed the
/// replay wraps to the start. The array should therefore hold whole units (frames) of whatever the consumer parses.
/// <see cref="AdvanceTo(SequencePosition, SequencePosition)"/> is honoured as a pipe does: if the consumer examined
/// everything without consuming it all, the next read returns more, namely the rest of the array followed by a whole
/// second pass over it (two segments). A consumer that examines even that without consuming enough is told so.
/// </remarks>
public sealed class CyclicPipeReader : PipeReader
{
    private readonly byte[] _data;
    private readonly BufferSegment _pass;
    private readonly BufferSegment _nextPass;

    private int _position;
    private bool _needMore;
    private bool _reading;
    private bool _cancelPending;
    private bool _completed;
    private ReadOnlySequence<byte> _handedOut;

    /// <summary>Creates a reader replaying <paramref name="data"/>, which must not be empty.</summary>
    public CyclicPipeReader(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Length == 0)
        {
            throw new ArgumentException("Nothing to replay.", nameof(data));
        }

        _data = data;
        _pass = new BufferSegment(data);
        _nextPass = _pass.Append(data);
    }

    /// <summary>The replay position: the offset in the array of the first unconsumed byte.</summary>
    public int Position => _position;

    /// <inheritdoc />
    public override bool TryRead(out ReadResult result)
    {
        if (_completed)
        {
            throw new InvalidOperationException("Reading is not allowed after the reader was completed.");
        }

        if (_reading)
        {
            throw new InvalidOperationException("The previous read has not been advanced.");
        }

        _handedOut = _needMore
            ? new ReadOnlySequence<byte>(_pass, _position, _nextPass, _data.Length)
            : new ReadOnlySequence<byte>(_pass, _position, _pass, _data.Length);
        _reading = true;
        bool canceled = _cancelPending;
        _cancelPending = false;
        result = new ReadResult(_handedOut, canceled, isCompleted: false);
        return true;
    }

    /// <inheritdoc />
    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<ReadResult>(cancellationToken);
        }

        TryRead(out ReadResult result);
        return new ValueTask<ReadResult>(result);
    }

    /// <inheritdoc />
    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    /// <inheritdoc />
    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        if (!_reading)
        {
            throw new InvalidOperationException("No read to advance.");
        }

        // Slice validates that both positions lie in what was handed out.
        long consumedLength = _handedOut.Slice(_handedOut.Start, consumed).Length;
        long examinedLength = _handedOut.Slice(_handedOut.Start, examined).Length;
        if (examinedLength < consumedLength)
        {
            throw new ArgumentOutOfRangeException(nameof(examined), "The examined position is before the consumed one.");
        }

        long unconsumed = _handedOut.Length - consumedLength;
        int position = (int)((_position + consumedLength) % _data.Length);
        bool needMore = unconsumed != 0 && examinedLength == _handedOut.Length;
        if (needMore && unconsumed > _data.Length - position)
        {
            // What is left already reaches into the second pass, so the next read could not return more.
            throw new InvalidOperationException("The consumer needs more than a whole pass over the replayed data.");
        }

        _position = position;
        _needMore = needMore;
        _handedOut = default;
        _reading = false;
    }

    /// <inheritdoc />
    public override void CancelPendingRead() => _cancelPending = true;

    /// <inheritdoc />
    public override void Complete(Exception? exception = null)
    {
        _completed = true;
        _handedOut = default;
        _reading = false;
    }
}
