using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Framing;

namespace WebSocketProtocol.Tests.Conformance;

/// <summary>How the implementation's side of the TCP connection ended, as the test peer saw it.</summary>
internal enum ConnectionEnd
{
    /// <summary>Still open.</summary>
    None,

    /// <summary>End of stream (FIN) between frames.</summary>
    EndOfStream,

    /// <summary>The connection was reset, or ended inside a frame.</summary>
    Dropped,

    /// <summary>The implementation sent bytes that are not a valid frame for its role.</summary>
    InvalidFrame,

    /// <summary>The test gave up waiting and cut the connection itself.</summary>
    AbortedByPeer,
}

/// <summary>
/// The test's end of a conformance connection, after the opening handshake: it writes raw frames (masked when the peer is
/// the client) built with <see cref="FrameHeader"/> and <see cref="PayloadMask"/>, and a background loop reads the
/// implementation's frames with <see cref="FrameReader"/> in the peer's role, recording messages and control frames.
/// When the implementation's close frame arrives the peer answers it as Autobahn does (echoing the code), and a peer
/// playing the server then closes TCP first (RFC 6455 section 7.1.1).
/// </summary>
internal sealed class PeerConnection : IAsyncDisposable
{
    private const long MaxFrameLength = 64L * 1024 * 1024;

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly PipeReader _input;
    private readonly Random _maskKeys = new(6455);
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly CancellationTokenSource _stopReading = new();
    private readonly object _gate = new();
    private readonly List<PeerEvent> _events = new();
    private readonly List<string> _violations = new();
    private readonly List<(int Count, TaskCompletionSource<bool> Signal)> _eventWaiters = new();
    private readonly TaskCompletionSource<bool> _closeOrEnd = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _readLoop = Task.CompletedTask;
    private bool _closeSent;
    private bool _frameOpen;
    private bool _writeFailed;
    private int _disposed;

    public PeerConnection(WebSocketRole role, Socket socket, NetworkStream stream, PipeReader input)
    {
        Role = role;
        _socket = socket;
        _stream = stream;
        _input = input;
    }

    /// <summary>How many messages from the implementation arrived compressed (RSV1).</summary>
    public int CompressedMessages { get; private set; }

    /// <summary>
    /// How many messages from the implementation arrived uncompressed although compression was agreed, rightly: compressed
    /// on its own, the message would not have come out smaller (RFC 7692 section 6 lets each message go either way).
    /// </summary>
    public int UncompressedAsItWouldGrow { get; private set; }

    /// <summary>permessage-deflate as agreed in the handshake, or <see langword="null"/>; set before <see cref="StartReading"/>.</summary>
    public PeerDeflate? Deflate { get; set; }

    /// <summary>The role the test plays: the opposite of the role under test.</summary>
    public WebSocketRole Role { get; }

    /// <summary>The body of the implementation's close frame, once it arrived.</summary>
    public byte[]? CloseBody { get; private set; }

    public ConnectionEnd End { get; private set; }

    /// <summary>Why the read loop ended, when it was not a clean end of stream.</summary>
    public string? EndDetail { get; private set; }

    /// <summary>Whether the implementation closed or the connection ended: sending stops then, as in Autobahn.</summary>
    public bool HasEnded => _closeOrEnd.Task.IsCompleted || _writeFailed;

    public int EventCount
    {
        get
        {
            lock (_gate)
            {
                return _events.Count;
            }
        }
    }

    public IReadOnlyList<PeerEvent> Events
    {
        get
        {
            lock (_gate)
            {
                return _events.ToArray();
            }
        }
    }

    public IReadOnlyList<string> Violations
    {
        get
        {
            lock (_gate)
            {
                return _violations.ToArray();
            }
        }
    }

    public void StartReading() => _readLoop = Task.Run(() => ReadLoopAsync(_stopReading.Token));

    public void AddViolation(string violation)
    {
        lock (_gate)
        {
            _violations.Add(violation);
        }
    }

    /// <summary>Encodes <paramref name="frame"/> for the wire; returns the bytes and the header's length.</summary>
    public (byte[] Bytes, int HeaderLength) Encode(FrameSpec frame)
    {
        bool masked = Role == WebSocketRole.Client;
        uint key = masked ? (uint)_maskKeys.NextInt64(0, 1L << 32) : 0;
        var header = new FrameHeader((Opcode)frame.Opcode, frame.Payload.Length, frame.Fin, frame.Rsv, masked, key);
        var bytes = new byte[header.EncodedLength + frame.Payload.Length];
        int headerLength = header.Write(bytes);
        if (masked)
        {
            PayloadMask.Apply(frame.Payload, bytes.AsSpan(headerLength), key, 0);
        }
        else
        {
            frame.Payload.CopyTo(bytes.AsSpan(headerLength));
        }

        return (bytes, headerLength);
    }

    /// <summary>Sends whole frames; returns <see langword="false"/> when sending has stopped (the implementation closed or the write failed).</summary>
    public async Task<bool> SendFramesAsync(IReadOnlyList<FrameSpec> frames, WriteMode mode, int chopSize, CancellationToken cancellationToken)
    {
        if (mode == WriteMode.PerFrame)
        {
            foreach (FrameSpec frame in frames)
            {
                if (!await WriteRawAsync(Encode(frame).Bytes, frameComplete: true, closes: frame.Opcode == Wire.CloseOp, cancellationToken).ConfigureAwait(false))
                {
                    return false;
                }
            }

            return true;
        }

        var all = new MemoryStream();
        bool closes = false;
        foreach (FrameSpec frame in frames)
        {
            all.Write(Encode(frame).Bytes);
            closes |= frame.Opcode == Wire.CloseOp;
        }

        ReadOnlyMemory<byte> bytes = all.GetBuffer().AsMemory(0, (int)all.Length);
        if (mode == WriteMode.Together)
        {
            return await WriteRawAsync(bytes, frameComplete: true, closes, cancellationToken).ConfigureAwait(false);
        }

        for (int offset = 0; offset < bytes.Length; offset += chopSize)
        {
            int count = Math.Min(chopSize, bytes.Length - offset);
            if (!await WriteRawAsync(bytes.Slice(offset, count), frameComplete: offset + count == bytes.Length, closes, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Writes bytes as they are, unless the implementation has closed already; <paramref name="frameComplete"/> says
    /// whether they end on a frame boundary (the close answer never goes out in the middle of a frame), and
    /// <paramref name="closes"/> whether they carry a close frame of the script's (the peer then answers no close).
    /// </summary>
    public async Task<bool> WriteRawAsync(ReadOnlyMemory<byte> bytes, bool frameComplete, bool closes, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (HasEnded)
            {
                return false;
            }

            _frameOpen = !frameComplete;
            _closeSent |= closes;
            await _stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception exception) when (exception is IOException or SocketException or ObjectDisposedException)
        {
            // The implementation dropped the connection: it can take nothing more, which is no fault of the peer.
            _writeFailed = true;
            return false;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Starts the closing handshake from the peer's side with 1000, unless a close already went either way.</summary>
    public async Task SendNormalCloseAsync(CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_closeSent || HasEnded || _frameOpen)
            {
                return;
            }

            _closeSent = true;
            await _stream.WriteAsync(Encode(Wire.Close(1000)).Bytes, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or SocketException or ObjectDisposedException)
        {
            _writeFailed = true;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Waits until the implementation's close frame arrived or the connection ended; <see langword="false"/> on timeout.</summary>
    public async Task<bool> WaitForCloseOrEndAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await _closeOrEnd.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>Waits until <paramref name="count"/> events in all have arrived; <see langword="false"/> on timeout or when the connection ended short of them.</summary>
    public async Task<bool> WaitForEventsAsync(int count, TimeSpan timeout, CancellationToken cancellationToken)
    {
        TaskCompletionSource<bool> signal;
        lock (_gate)
        {
            if (_events.Count >= count)
            {
                return true;
            }

            if (End != ConnectionEnd.None)
            {
                return false;
            }

            signal = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            _eventWaiters.Add((count, signal));
        }

        try
        {
            return await signal.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return false;
        }
        finally
        {
            lock (_gate)
            {
                _eventWaiters.Remove((count, signal));
            }
        }
    }

    /// <summary>Waits for the read loop to see the connection end; <see langword="false"/> on timeout.</summary>
    public async Task<bool> WaitForEndAsync(TimeSpan timeout)
    {
        try
        {
            await _readLoop.WaitAsync(timeout).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopReading.CancelAsync().ConfigureAwait(false);
        _input.CancelPendingRead();
        _socket.Dispose();
        try
        {
            await _readLoop.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            await _input.CompleteAsync().ConfigureAwait(false);
            Deflate?.Dispose();
        }
        catch (TimeoutException)
        {
            // The loop is stuck on a disposed socket; the pipe is left to the garbage collector rather than torn from under it.
        }

        await _stream.DisposeAsync().ConfigureAwait(false);
        _stopReading.Dispose();
        _writeLock.Dispose();
    }

    private async Task ReadLoopAsync(CancellationToken cancellationToken)
    {
        // RSV1 is the implementation's to set only when permessage-deflate was agreed; otherwise the reader refuses it.
        ReservedBits allowed = Deflate is null ? ReservedBits.None : ReservedBits.Rsv1;
        var reader = new FrameReader(_input, new FrameReaderOptions(Role) { MaxFramePayloadLength = MaxFrameLength, AllowedReservedBits = allowed });
        MemoryStream? message = null;
        byte[]? single = null;
        EventKind kind = EventKind.Text;
        int frames = 0;
        bool compressed = false;
        try
        {
            while (true)
            {
                if (!await reader.ReadHeaderAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (message is not null || single is not null)
                    {
                        AddViolation("The connection ended inside a fragmented message from the implementation.");
                    }

                    Finish(ConnectionEnd.EndOfStream, null);
                    return;
                }

                FrameHeader header = reader.Current.Header;
                byte[] payload = new byte[checked((int)header.PayloadLength)];
                int filled = 0;
                while (await reader.ReadPayloadAsync(cancellationToken).ConfigureAwait(false))
                {
                    filled += reader.Current.CopyPayloadTo(payload.AsSpan(filled));
                }

                if (CloseBody is not null)
                {
                    AddViolation($"The implementation sent a {header.Opcode} frame after its close frame.");
                }

                if (header.ReservedBits != ReservedBits.None && header.Opcode is not (Opcode.Text or Opcode.Binary))
                {
                    AddViolation($"The implementation set {header.ReservedBits} on a {header.Opcode} frame (RFC 7692 section 6.1).");
                }

                switch (header.Opcode)
                {
                    case Opcode.Text:
                    case Opcode.Binary:
                        if (message is not null || single is not null)
                        {
                            AddViolation($"The implementation started a {header.Opcode} message inside a fragmented one.");
                        }

                        kind = header.Opcode == Opcode.Text ? EventKind.Text : EventKind.Binary;
                        compressed = header.ReservedBits != ReservedBits.None;
                        frames = 1;
                        message = null;
                        single = payload;
                        break;
                    case Opcode.Continuation:
                        if (message is null && single is null)
                        {
                            AddViolation("The implementation sent a continuation frame with no message to continue.");
                            continue;
                        }

                        if (message is null)
                        {
                            message = new MemoryStream();
                            message.Write(single);
                            single = null;
                        }

                        message.Write(payload);
                        frames++;
                        break;
                    case Opcode.Ping:
                        AddEvent(new PeerEvent(EventKind.Ping, payload));
                        continue;
                    case Opcode.Pong:
                        AddEvent(new PeerEvent(EventKind.Pong, payload));
                        continue;
                    default:
                        await OnCloseAsync(payload, cancellationToken).ConfigureAwait(false);
                        continue;
                }

                if (header.IsFinal)
                {
                    byte[] whole = single ?? message!.ToArray();
                    if (compressed)
                    {
                        CompressedMessages++;
                        whole = InflateOrReport(whole);
                    }
                    else if (Deflate is not null && whole.Length >= 32 && !ShrinksOnItsOwn(whole))
                    {
                        UncompressedAsItWouldGrow++;
                    }

                    if (kind == EventKind.Text && !System.Text.Unicode.Utf8.IsValid(whole))
                    {
                        AddViolation("The implementation sent a text message that is not valid UTF-8.");
                    }

                    AddEvent(new PeerEvent(kind, whole, frames));
                    single = null;
                    message = null;
                }
            }
        }
        catch (WebSocketProtocolException exception) when (exception.Error == ProtocolError.TruncatedFrame)
        {
            Finish(ConnectionEnd.Dropped, "the stream ended inside a frame");
        }
        catch (WebSocketProtocolException exception)
        {
            AddViolation($"The implementation sent an invalid frame: {exception.Error} ({exception.Message}).");
            Finish(ConnectionEnd.InvalidFrame, exception.Message);
        }
        catch (Exception exception) when (exception is IOException or SocketException)
        {
            Finish(ConnectionEnd.Dropped, exception.GetType().Name + ": " + exception.Message);
        }
        catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            Finish(ConnectionEnd.AbortedByPeer, exception.GetType().Name);
        }
    }

    private byte[] InflateOrReport(byte[] payload)
    {
        try
        {
            return Deflate!.Inflate(payload);
        }
        catch (InvalidDataException exception)
        {
            AddViolation("The implementation sent a compressed message zlib cannot inflate: " + exception.Message);
            return payload;
        }
    }

    /// <summary>The implementation's close frame: record it, answer it once (echoing the code), and as the server close TCP.</summary>
    private async Task OnCloseAsync(byte[] body, CancellationToken cancellationToken)
    {
        CloseBody = body;
        _closeOrEnd.TrySetResult(true);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_closeSent && !_frameOpen && !_writeFailed)
            {
                _closeSent = true;
                byte[] answer = body.Length >= 2 && IsSendable(BinaryPrimitives.ReadUInt16BigEndian(body))
                    ? Wire.CloseBody(BinaryPrimitives.ReadUInt16BigEndian(body))
                    : body.Length == 0 ? Array.Empty<byte>() : Wire.CloseBody(1002);
                await _stream.WriteAsync(Encode(Wire.CloseRaw(answer)).Bytes, cancellationToken).ConfigureAwait(false);
            }

            if (Role == WebSocketRole.Server)
            {
                _socket.Shutdown(SocketShutdown.Send);
            }
        }
        catch (Exception exception) when (exception is IOException or SocketException or ObjectDisposedException)
        {
            // The implementation dropped the transport right behind its close frame, which it may.
            _writeFailed = true;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private static bool IsSendable(ushort code) => code is >= 1000 and <= 1003 or >= 1007 and <= 1014 or >= 3000 and <= 4999;

    private void AddEvent(PeerEvent observed)
    {
        lock (_gate)
        {
            _events.Add(observed);
            foreach ((int count, TaskCompletionSource<bool> signal) in _eventWaiters)
            {
                if (_events.Count >= count)
                {
                    signal.TrySetResult(true);
                }
            }
        }
    }

    private void Finish(ConnectionEnd end, string? detail)
    {
        lock (_gate)
        {
            End = end;
            EndDetail = detail;
            foreach ((_, TaskCompletionSource<bool> signal) in _eventWaiters)
            {
                signal.TrySetResult(false);
            }
        }

        _closeOrEnd.TrySetResult(true);
    }

    /// <summary>Whether DEFLATE, with no earlier message to refer to, makes <paramref name="message"/> smaller.</summary>
    private static bool ShrinksOnItsOwn(byte[] message)
    {
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        new WebSocketProtocol.Extensions.Deflate.Deflater(15).CompressMessage(message, output);
        return output.WrittenCount < message.Length;
    }
}
