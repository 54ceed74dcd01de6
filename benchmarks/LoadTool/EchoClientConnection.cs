using System;
using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Framing;

namespace WebSocketProtocol.LoadTool;

/// <summary>
/// One echo connection after the handshake. A sender writes pre-encoded masked frames (up to the in-flight limit, then
/// one for each echo that came back) while a receiver parses the server's frames incrementally with
/// <see cref="FrameHeader.TryParse(in ReadOnlySequence{byte}, out FrameHeader, out int)"/> and checks every echo's opcode,
/// FIN, absence of a mask and length, and every <see cref="EchoOptions.VerifyEvery"/>th echo's bytes. Sending and
/// receiving run apart so a large message in flight both ways cannot deadlock the socket.
/// </summary>
public sealed class EchoClientConnection : IDisposable
{
    private readonly Socket _socket;
    private readonly PipeReader _input;
    private readonly EchoFrames _frames;
    private readonly EchoRunState _run;
    private readonly int _verifyEvery;
    private readonly long[] _sentAt;
    private readonly SemaphoreSlim _creditSignal = new(0);
    private readonly CancellationTokenSource _failed = new();
    private int _credits;
    private long _sent;
    private long _completed;
    private long _contentChecked;
    private int _sendIndex;
    private int _receiveIndex;
    private bool _closeSent;
    private Task _sender = Task.CompletedTask;
    private Task _receiver = Task.CompletedTask;

    /// <summary>Wraps a connected, upgraded <paramref name="socket"/>.</summary>
    public EchoClientConnection(Socket socket, EchoFrames frames, EchoRunState run, int verifyEvery)
    {
        ArgumentNullException.ThrowIfNull(frames);
        _socket = socket ?? throw new ArgumentNullException(nameof(socket));
        _frames = frames;
        _run = run ?? throw new ArgumentNullException(nameof(run));
        _verifyEvery = verifyEvery;
        _sentAt = new long[frames.InFlight];
        _credits = frames.InFlight;
        _input = PipeReader.Create(new NetworkStream(socket, ownsSocket: false), new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 4096));
    }

    /// <summary>Round trips completed inside the measured window.</summary>
    public LatencyHistogram Latency { get; } = new();

    /// <summary>Echoes received and verified so far.</summary>
    public long Completed => Volatile.Read(ref _completed);

    /// <summary>Echoes whose bytes were compared too.</summary>
    public long ContentChecked => Volatile.Read(ref _contentChecked);

    /// <summary>The first thing that went wrong, or <see langword="null"/>.</summary>
    public string? Error { get; private set; }

    /// <summary>Starts sending and receiving.</summary>
    public void Start()
    {
        _receiver = Task.Run(ReceiveAsync);
        _sender = Task.Run(SendAsync);
        _creditSignal.Release();
    }

    /// <summary>
    /// After <see cref="EchoRunState.Stop"/>: waits for the sender to stop and every echo in flight to come back, then
    /// closes with 1000 and waits for the server's close, all within <paramref name="timeout"/>.
    /// </summary>
    public async Task DrainAndCloseAsync(TimeSpan timeout)
    {
        _creditSignal.Release();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _sender.WaitAsync(deadline.Token).ConfigureAwait(false);
            while (Error is null && Completed < Volatile.Read(ref _sent))
            {
                await Task.Delay(5, deadline.Token).ConfigureAwait(false);
            }

            if (Error is null)
            {
                _closeSent = true;
                await _socket.SendAsync(_frames.Close, SocketFlags.None, deadline.Token).ConfigureAwait(false);
                await _receiver.WaitAsync(deadline.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            Fail($"the drain and close took longer than {timeout.TotalSeconds} s ({Volatile.Read(ref _sent) - Completed} echoes missing)");
        }
        catch (SocketException exception)
        {
            Fail("close: " + exception.Message);
        }
    }

    /// <summary>Closes the socket.</summary>
    public void Dispose()
    {
        _failed.Cancel();
        _socket.Dispose();
        _input.Complete();
        _creditSignal.Dispose();
        _failed.Dispose();
    }

    private async Task SendAsync()
    {
        try
        {
            while (true)
            {
                await _creditSignal.WaitAsync(_failed.Token).ConfigureAwait(false);
                int count = _run.Take(Interlocked.Exchange(ref _credits, 0));
                if (!_run.Sending && count == 0)
                {
                    return;
                }

                if (count == 0)
                {
                    continue;
                }

                long now = Stopwatch.GetTimestamp();
                for (int i = 0; i < count; i++)
                {
                    Volatile.Write(ref _sentAt[_sendIndex], now);
                    _sendIndex = _sendIndex + 1 == _sentAt.Length ? 0 : _sendIndex + 1;
                }

                Interlocked.Add(ref _sent, count);
                await _socket.SendAsync(_frames.Messages(count), SocketFlags.None, _failed.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_failed.IsCancellationRequested)
        {
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
        {
            Fail("send: " + exception.Message);
        }
    }

    private async Task ReceiveAsync()
    {
        try
        {
            while (true)
            {
                ReadResult result = await _input.ReadAsync(_failed.Token).ConfigureAwait(false);
                ReadOnlySequence<byte> buffer = result.Buffer;
                int echoes = 0;
                bool closed = false;
                while (TryTakeFrame(ref buffer, ref echoes, out closed) && !closed)
                {
                }

                _input.AdvanceTo(buffer.Start, buffer.End);
                if (echoes > 0)
                {
                    Interlocked.Add(ref _credits, echoes);
                    _creditSignal.Release();
                }

                if (closed || Error is not null)
                {
                    return;
                }

                if (result.IsCompleted)
                {
                    Fail("the server closed the connection without a close frame");
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (_failed.IsCancellationRequested)
        {
        }
        catch (Exception exception) when (exception is System.IO.IOException or SocketException or ObjectDisposedException or WebSocketProtocolException)
        {
            Fail("receive: " + exception.Message);
        }
    }

    /// <summary>Takes one whole frame off the front of <paramref name="buffer"/> and checks it; false when more bytes are needed or it was wrong.</summary>
    private bool TryTakeFrame(ref ReadOnlySequence<byte> buffer, ref int echoes, out bool closed)
    {
        closed = false;
        if (!WireFrames.TryTake(ref buffer, out FrameHeader header, out ReadOnlySequence<byte> payload))
        {
            return false;
        }

        if (header.Opcode == Opcode.Close)
        {
            closed = true;
            if (!_closeSent)
            {
                Fail($"the server closed the connection ({header})");
            }

            return true;
        }

        if (header.Opcode is Opcode.Ping or Opcode.Pong)
        {
            // A keepalive ping would need a pong; within a bounded run none is expected, so it counts as an error.
            Fail($"unexpected control frame {header}");
            return false;
        }

        if (header.Opcode != _frames.Opcode || !header.IsFinal || header.IsMasked || header.PayloadLength != _frames.Payload.Length)
        {
            Fail($"echo {Completed} came back as {header}, expected a final unmasked {_frames.Opcode} of {_frames.Payload.Length} bytes");
            return false;
        }

        long completed = _completed + 1;
        if (completed % _verifyEvery == 1 || _verifyEvery == 1)
        {
            if (!SameBytes(payload, _frames.Payload.Span))
            {
                Fail($"echo {completed} has the right length but different bytes");
                return false;
            }

            Volatile.Write(ref _contentChecked, _contentChecked + 1);
        }

        long sentAt = Volatile.Read(ref _sentAt[_receiveIndex]);
        _receiveIndex = _receiveIndex + 1 == _sentAt.Length ? 0 : _receiveIndex + 1;
        long now = Stopwatch.GetTimestamp();
        if (_run.InWindow(sentAt, now))
        {
            Latency.Record((long)Stopwatch.GetElapsedTime(sentAt, now).TotalNanoseconds);
        }

        Volatile.Write(ref _completed, completed);
        echoes++;
        return true;
    }

    private static bool SameBytes(ReadOnlySequence<byte> received, ReadOnlySpan<byte> expected)
    {
        foreach (ReadOnlyMemory<byte> segment in received)
        {
            if (!segment.Span.SequenceEqual(expected.Slice(0, segment.Length)))
            {
                return false;
            }

            expected = expected.Slice(segment.Length);
        }

        return expected.IsEmpty;
    }

    private void Fail(string error)
    {
        Error ??= error;
        if (!_failed.IsCancellationRequested)
        {
            try
            {
                _failed.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }
}
