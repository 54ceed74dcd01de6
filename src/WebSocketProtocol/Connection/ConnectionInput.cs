using System;
using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Protocol;

namespace WebSocketProtocol.Connection;

/// <summary>
/// The connection's one cursor over its input pipe: it holds the buffer of the last read, hands the protocol what is not
/// yet consumed, and advances the pipe (consumed, and everything examined) only when the protocol needs more bytes, so
/// frames already buffered are taken without touching the pipe and a partial frame waits for new bytes instead of being
/// parsed again. Used by the holder of the receive slot; <see cref="CancelPendingRead"/> and <see cref="Complete"/> from any thread.
/// </summary>
internal sealed class ConnectionInput
{
    private readonly PipeReader _pipe;

    // The last read's buffer: all of it while it is one array segment (pipes hand out arrays), consuming then moves an
    // offset and the unconsumed part is made from the array, with no sequence arithmetic for the common small frame;
    // otherwise the unconsumed part, sliced as bytes are consumed.
    private ReadOnlySequence<byte> _buffer;
    private byte[]? _array;
    private int _arrayStart;
    private int _arrayLength;
    private int _arrayConsumed;
    private bool _holding;
    private bool _completed;
    private int _released;

    public ConnectionInput(PipeReader pipe) => _pipe = pipe;

    /// <summary>The bytes read and not yet consumed (empty before the first read).</summary>
    public ReadOnlySequence<byte> Unconsumed => _array is not null
        ? new ReadOnlySequence<byte>(_array, _arrayStart + _arrayConsumed, _arrayLength - _arrayConsumed)
        : _buffer;

    /// <summary>Whether bytes were read and not consumed: part of a frame the protocol waits to see whole.</summary>
    public bool HasUnconsumed => _array is not null ? _arrayConsumed < _arrayLength : !_buffer.IsEmpty;

    /// <summary>Whether a read's buffer is held (bytes may be waiting to be consumed without touching the pipe).</summary>
    public bool IsHolding => _holding;

    /// <summary>Whether the pipe reported its end: what is buffered is all that will ever come.</summary>
    public bool IsCompleted => _completed;

    /// <summary>Whether the input has been let go of (the connection ended).</summary>
    public bool IsReleased => Volatile.Read(ref _released) != 0;

    /// <summary>Consumes the first <paramref name="count"/> unconsumed bytes.</summary>
    public void Advance(long count)
    {
        if (_array is not null)
        {
            _arrayConsumed += (int)count;
        }
        else if (count != 0)
        {
            _buffer = _buffer.Slice(count);
        }
    }

    /// <summary>
    /// Gives the pipe back what was consumed, marks everything else examined, and waits for more bytes. A wait inside a
    /// frame (<paramref name="insideFrame"/>) is timed for the frame timeout; a wait between frames is not.
    /// </summary>
    /// <exception cref="OperationCanceledException">The read was cancelled (the connection was aborted) or the token was.</exception>
    public async ValueTask ReadAsync(bool insideFrame, ConnectionProtocol protocol, CancellationToken cancellationToken)
    {
        if (_holding)
        {
            // Everything buffered was looked at and is not enough: wait for new bytes rather than parse these again.
            SequencePosition consumed = ConsumedPosition();
            SequencePosition examined = _buffer.End;
            Drop();
            _pipe.AdvanceTo(consumed, examined);
        }

        if (insideFrame)
        {
            protocol.BeginWaitInsideFrame(MonotonicClock.Milliseconds);
        }

        ReadResult result;
        try
        {
            result = await _pipe.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (insideFrame)
            {
                protocol.EndWaitInsideFrame(MonotonicClock.Milliseconds);
            }
        }

        if (result.IsCanceled)
        {
            _pipe.AdvanceTo(result.Buffer.Start);
            throw new OperationCanceledException("The read was canceled.");
        }

        Hold(result.Buffer);
        _completed = result.IsCompleted;
    }

    /// <summary>
    /// The client's end of the closing handshake (RFC 6455 section 7.1.1): lets go of what is buffered and reads until the
    /// server closes the transport.
    /// </summary>
    public async Task WaitForEndAsync(CancellationToken cancellationToken)
    {
        if (IsReleased)
        {
            return;
        }

        Release();

        while (true)
        {
            ReadResult read = await _pipe.ReadAsync(cancellationToken).ConfigureAwait(false);
            _pipe.AdvanceTo(read.Buffer.End);
            if (read.IsCompleted || read.IsCanceled)
            {
                return;
            }
        }
    }

    /// <summary>Wakes a read waiting in <see cref="ReadAsync"/>, which ends cancelled. Safe from any thread.</summary>
    public void CancelPendingRead()
    {
        if (!IsReleased)
        {
            try
            {
                _pipe.CancelPendingRead();
            }
            catch (Exception exception) when (ConnectionOutput.IsTransportFailure(exception))
            {
                // Completed meanwhile: nothing waits in it any more.
            }
        }
    }

    /// <summary>Lets go of the input once: the consumed bytes go back, and the pipe is completed. Only the slot's holder calls this.</summary>
    public void Complete()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0)
        {
            return;
        }

        try
        {
            Release();
        }
        catch (Exception exception) when (exception is InvalidOperationException or ArgumentException)
        {
            // The pipe was completed under the connection already (its owner disposed the transport first): a completed
            // pipe refuses AdvanceTo, and a stream's pipe has already recycled the buffers still pointed into.
        }

        try
        {
            _pipe.Complete();
        }
        catch (Exception exception) when (ConnectionOutput.IsTransportFailure(exception))
        {
            // A broken transport cannot be released more cleanly than this.
        }
    }

    /// <summary>Advances the pipe past what was consumed and drops the buffer, so the pipe can be read directly again.</summary>
    private void Release()
    {
        if (_holding)
        {
            SequencePosition consumed = ConsumedPosition();
            Drop();
            _pipe.AdvanceTo(consumed);
        }
    }

    /// <summary>Where the consumed bytes end, in the pipe's own sequence (positions of a sequence made here mean nothing to it).</summary>
    private SequencePosition ConsumedPosition() => _array is not null ? _buffer.GetPosition(_arrayConsumed) : _buffer.Start;

    private void Drop()
    {
        _holding = false;
        _array = null;
        _buffer = default;
    }

    private void Hold(in ReadOnlySequence<byte> buffer)
    {
        _buffer = buffer;
        _holding = true;
        _array = null;
        if (buffer.IsSingleSegment && MemoryMarshal.TryGetArray(buffer.First, out ArraySegment<byte> segment))
        {
            _array = segment.Array;
            _arrayStart = segment.Offset;
            _arrayLength = segment.Count;
            _arrayConsumed = 0;
        }
    }
}
