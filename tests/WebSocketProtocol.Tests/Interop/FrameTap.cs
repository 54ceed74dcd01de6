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
internal sealed record TappedFrame(Opcode Opcode, bool IsFinal, bool IsMasked, long PayloadLength, byte[] ControlPayload)
{
    public string ControlText => Encoding.UTF8.GetString(ControlPayload);

    public override string ToString() =>
        $"{Opcode}{(IsFinal ? string.Empty : " (not final)")} {PayloadLength} B{(ControlPayload.Length > 0 ? " '" + ControlText + "'" : string.Empty)}";
}

/// <summary>
/// Sits between a transport's incoming pipe and a <see cref="Connection.WebSocketConnection"/>: every byte is passed on
/// unchanged to <see cref="Input"/>, and a copy is parsed with a <see cref="FrameReader"/> on the side, so a test can see
/// which frames the peer put on the wire (pongs the connection absorbs, the fragments of a message it reassembles).
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

    /// <summary>The peer's bytes, for the connection to read.</summary>
    public PipeReader Input => _toConnection.Reader;

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

        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_pump, _spy).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
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

    private async Task SpyAsync(WebSocketRole readerRole)
    {
        var reader = new FrameReader(_toSpy.Reader, new FrameReaderOptions(readerRole) { MaxFramePayloadLength = long.MaxValue });
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

                Add(new TappedFrame(header.Opcode, header.IsFinal, header.IsMasked, header.PayloadLength, control));
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
