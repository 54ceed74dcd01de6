using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.IO.Pipelines;
using System.Linq;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Framing;

namespace WebSocketProtocol.Tests.Interop;

/// <summary>One frame a <see cref="FrameTap"/> saw go by.</summary>
/// <param name="Opcode">The frame's opcode.</param>
/// <param name="IsFinal">Its FIN bit.</param>
/// <param name="IsMasked">Whether it was masked.</param>
/// <param name="PayloadLength">Its declared payload length.</param>
/// <param name="ControlPayload">For a control frame, its unmasked payload; empty for a data frame.</param>
/// <param name="ReservedBits">Its RSV1-3 bits (RSV1 on the first frame of a message marks it compressed, RFC 7692 section 6).</param>
internal sealed record TappedFrame(Opcode Opcode, bool IsFinal, bool IsMasked, long PayloadLength, byte[] ControlPayload, ReservedBits ReservedBits = ReservedBits.None)
{
    public string ControlText => Encoding.UTF8.GetString(ControlPayload);

    /// <summary>Whether RSV1 is set: on a message's first frame under permessage-deflate, the message is compressed.</summary>
    public bool Rsv1 => (ReservedBits & ReservedBits.Rsv1) != 0;

    public override string ToString() =>
        $"{Opcode}{(IsFinal ? string.Empty : " (not final)")}{(ReservedBits != ReservedBits.None ? " " + ReservedBits : string.Empty)} {PayloadLength} B{(ControlPayload.Length > 0 ? " '" + ControlText + "'" : string.Empty)}";
}

/// <summary>One data message as a <see cref="FrameTap"/> saw it on the wire: its frames grouped, control frames left out.</summary>
/// <param name="Opcode">Text or binary.</param>
/// <param name="Compressed">Whether its first frame had RSV1 set (permessage-deflate, RFC 7692 section 6).</param>
/// <param name="WireLength">The sum of its frames' payload lengths: the compressed size when it was compressed.</param>
/// <param name="FrameCount">How many frames carried it.</param>
/// <param name="Rsv1OnContinuation">Whether any continuation frame had RSV1 set, which RFC 7692 section 6.1 forbids.</param>
internal sealed record TappedMessage(Opcode Opcode, bool Compressed, long WireLength, int FrameCount, bool Rsv1OnContinuation)
{
    /// <summary>Groups the data frames of <paramref name="frames"/> into messages; a message still open at the end is left out.</summary>
    public static IReadOnlyList<TappedMessage> From(IEnumerable<TappedFrame> frames)
    {
        var messages = new List<TappedMessage>();
        TappedFrame? first = null;
        long length = 0;
        int count = 0;
        bool rsv1OnContinuation = false;
        foreach (TappedFrame frame in frames.Where(f => !f.Opcode.IsControl()))
        {
            if (frame.Opcode != Opcode.Continuation)
            {
                first = frame;
                length = 0;
                count = 0;
                rsv1OnContinuation = false;
            }
            else
            {
                rsv1OnContinuation |= frame.Rsv1;
            }

            length += frame.PayloadLength;
            count++;
            if (frame.IsFinal && first is not null)
            {
                messages.Add(new TappedMessage(first.Opcode, first.Rsv1, length, count, rsv1OnContinuation));
                first = null;
            }
        }

        return messages;
    }

    public override string ToString() =>
        $"{Opcode}{(Compressed ? " compressed" : string.Empty)} {WireLength} B in {FrameCount} frame(s){(Rsv1OnContinuation ? " RSV1 on a continuation" : string.Empty)}";
}

/// <summary>
/// Sits between a transport's incoming pipe and a <see cref="Connection.WebSocketConnection"/>: every byte is passed on
/// unchanged to <see cref="Input"/>, and a copy is parsed with a <see cref="FrameReader"/> on the side, so a test can see
/// which frames the peer put on the wire (pongs the connection absorbs, the fragments of a message it reassembles, the
/// RSV1 bit of compressed messages). <see cref="OnOutput"/> taps the other direction: the frames the connection sends.
/// </summary>
/// <remarks>
/// Neither copy applies back-pressure, so the tap never stalls the connection. When the transport's input ends (or fails)
/// <see cref="Input"/> ends the same way. Dispose it before the transport: that stops the pending read of the source.
/// </remarks>
internal sealed class FrameTap : IAsyncDisposable
{
    private static readonly PipeOptions Unbounded = new(pauseWriterThreshold: 0, resumeWriterThreshold: 0, useSynchronizationContext: false);

    private readonly PipeReader _source;
    private readonly Pipe _toConnection = new(Unbounded);
    private readonly Pipe _toSpy = new(Unbounded);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TappedFrame> _frames = new();
    private readonly Task _pump;
    private readonly Task _spy;
    private Task? _forward;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Exception? _spyError;
    private bool _spyEnded;
    private int _disposed;

    /// <summary>Starts tapping <paramref name="source"/>, whose frames are read as <paramref name="readerRole"/> reads them.</summary>
    public FrameTap(PipeReader source, WebSocketRole readerRole)
    {
        _source = source;
        _pump = Task.Run(PumpAsync);
        _spy = Task.Run(() => SpyAsync(readerRole));
    }

    /// <summary>The peer's bytes, for the connection to read. Not for use on a tap made by <see cref="OnOutput"/>.</summary>
    public PipeReader Input => _toConnection.Reader;

    /// <summary>For a tap made by <see cref="OnOutput"/>: where the connection writes its frames.</summary>
    public PipeWriter Output { get; private set; } = null!;

    /// <summary>
    /// Taps the frames a connection in the role <paramref name="senderRole"/> sends: give the connection <see cref="Output"/>
    /// as its output, and every byte is passed on unchanged to <paramref name="destination"/>, the transport's output. When
    /// the connection completes <see cref="Output"/>, <paramref name="destination"/> is completed too, once all is passed on.
    /// </summary>
    /// <remarks>Dispose it after the connection (which completes <see cref="Output"/>) and before the transport.</remarks>
    public static FrameTap OnOutput(PipeWriter destination, WebSocketRole senderRole)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var fromConnection = new Pipe(Unbounded);
        var tap = new FrameTap(fromConnection.Reader, senderRole == WebSocketRole.Client ? WebSocketRole.Server : WebSocketRole.Client)
        {
            Output = fromConnection.Writer,
        };
        tap._forward = Task.Run(() => tap.ForwardAsync(destination));
        return tap;
    }

    /// <summary>The data messages seen so far (see <see cref="TappedMessage.From"/>).</summary>
    public IReadOnlyList<TappedMessage> Messages => TappedMessage.From(Frames);

    /// <summary>Every frame seen so far, in order.</summary>
    public IReadOnlyList<TappedFrame> Frames
    {
        get
        {
            lock (_frames)
            {
                return _frames.ToArray();
            }
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds for the frames seen so far; returns them.</summary>
    /// <exception cref="TimeoutException">It did not hold within <paramref name="timeout"/> (the message lists the frames seen).</exception>
    public async Task<IReadOnlyList<TappedFrame>> WaitUntilAsync(Func<IReadOnlyList<TappedFrame>, bool> condition, TimeSpan timeout, string what)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            Task changed;
            TappedFrame[] frames;
            bool ended;
            lock (_frames)
            {
                frames = _frames.ToArray();
                changed = _changed.Task;
                ended = _spyEnded;
            }

            if (condition(frames))
            {
                return frames;
            }

            if (ended)
            {
                throw new InvalidOperationException($"The peer's input ended before {what}. {Describe(frames)}");
            }

            try
            {
                await changed.WaitAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                throw new TimeoutException($"Not within {timeout}: {what}. {Describe(Frames)}");
            }
        }
    }

    /// <summary>Waits for the first frame matching <paramref name="match"/>.</summary>
    public async Task<TappedFrame> WaitForFrameAsync(Func<TappedFrame, bool> match, TimeSpan timeout, string what)
    {
        IReadOnlyList<TappedFrame> frames = await WaitUntilAsync(f => f.Any(match), timeout, what).ConfigureAwait(false);
        return frames.First(match);
    }

    /// <summary>
    /// Waits until the peer's input has ended and every frame in it has been parsed, and returns them all. The side copy may
    /// lag a little behind the connection, so a test asserts on the complete list once the closing handshake is over.
    /// </summary>
    public async Task<IReadOnlyList<TappedFrame>> AllFramesAsync(TimeSpan timeout)
    {
        await _spy.WaitAsync(timeout).ConfigureAwait(false);
        return Frames;
    }

    /// <summary>The frames seen, for assertion messages.</summary>
    public string Describe() => Describe(Frames);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_forward is not null)
        {
            // The connection has completed Output (or is gone): let the last bytes, its close frame among them, reach the
            // transport before the pump is stopped.
            try
            {
                await _forward.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_forward is null ? new[] { _pump, _spy } : new[] { _pump, _spy, _forward }).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        _stop.Dispose();
    }

    private string Describe(IReadOnlyList<TappedFrame> frames)
    {
        string error = _spyError is null ? string.Empty : $" The tap's frame reader failed: {_spyError.Message}";
        return "Frames seen: [" + string.Join(", ", frames) + "]." + error;
    }

    private async Task PumpAsync()
    {
        Exception? failure = null;
        bool connectionReading = true;
        try
        {
            while (true)
            {
                ReadResult read = await _source.ReadAsync(_stop.Token).ConfigureAwait(false);
                ReadOnlySequence<byte> buffer = read.Buffer;
                foreach (ReadOnlyMemory<byte> segment in buffer)
                {
                    if (connectionReading)
                    {
                        _toConnection.Writer.Write(segment.Span);
                    }

                    _toSpy.Writer.Write(segment.Span);
                }

                _source.AdvanceTo(buffer.End);
                if (connectionReading)
                {
                    FlushResult flushed = await _toConnection.Writer.FlushAsync().ConfigureAwait(false);
                    connectionReading = !flushed.IsCompleted;
                }

                await _toSpy.Writer.FlushAsync().ConfigureAwait(false);
                if (read.IsCompleted || read.IsCanceled)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Disposed: the test is done with the connection.
        }
        catch (Exception exception) when (exception is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            // The transport failed: the connection sees the same failure.
            failure = exception;
        }
        finally
        {
            await _toConnection.Writer.CompleteAsync(failure).ConfigureAwait(false);
            await _toSpy.Writer.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>For <see cref="OnOutput"/>: passes what the connection wrote on to the transport, then completes it.</summary>
    private async Task ForwardAsync(PipeWriter destination)
    {
        PipeReader source = _toConnection.Reader;
        Exception? failure = null;
        try
        {
            while (true)
            {
                ReadResult read = await source.ReadAsync().ConfigureAwait(false);
                foreach (ReadOnlyMemory<byte> segment in read.Buffer)
                {
                    destination.Write(segment.Span);
                }

                source.AdvanceTo(read.Buffer.End);
                FlushResult flushed = await destination.FlushAsync().ConfigureAwait(false);
                if (read.IsCompleted || read.IsCanceled || flushed.IsCompleted || flushed.IsCanceled)
                {
                    return;
                }
            }
        }
        catch (Exception exception) when (exception is IOException or SocketException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
        {
            // The transport failed or was closed under us: the connection is over either way.
            failure = exception;
        }
        finally
        {
            await source.CompleteAsync(failure).ConfigureAwait(false);
            try
            {
                await destination.CompleteAsync().ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
            {
            }
        }
    }

    private async Task SpyAsync(WebSocketRole readerRole)
    {
        // Any reserved bit is recorded rather than refused: the tap reports what is on the wire, the connection judges it.
        var reader = new FrameReader(_toSpy.Reader, new FrameReaderOptions(readerRole) { MaxFramePayloadLength = long.MaxValue, AllowedReservedBits = ReservedBits.All });
        try
        {
            while (await reader.ReadHeaderAsync().ConfigureAwait(false))
            {
                FrameHeader header = reader.Current.Header;
                byte[] control = header.Opcode.IsControl() ? new byte[header.PayloadLength] : Array.Empty<byte>();
                int copied = 0;
                while (await reader.ReadPayloadAsync().ConfigureAwait(false))
                {
                    if (control.Length > 0)
                    {
                        copied += reader.Current.CopyPayloadTo(control.AsSpan(copied));
                    }
                }

                Add(new TappedFrame(header.Opcode, header.IsFinal, header.IsMasked, header.PayloadLength, control, header.ReservedBits));
            }
        }
        catch (Exception exception)
        {
            _spyError = exception;
        }
        finally
        {
            await _toSpy.Reader.CompleteAsync().ConfigureAwait(false);
            TaskCompletionSource changed;
            lock (_frames)
            {
                _spyEnded = true;
                changed = _changed;
            }

            changed.TrySetResult();
        }
    }

    private void Add(TappedFrame frame)
    {
        TaskCompletionSource changed;
        lock (_frames)
        {
            _frames.Add(frame);
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }
}
