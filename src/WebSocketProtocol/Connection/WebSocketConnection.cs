using System.Net.WebSockets;
using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO.Pipelines;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Extensions;
using WebSocketProtocol.Extensions.Deflate;
using WebSocketProtocol.Framing;

namespace WebSocketProtocol.Connection;

/// <summary>
/// A WebSocket connection at the level of messages, over the pipes of an upgraded transport: it reassembles fragments,
/// validates text, answers pings, runs the closing handshake and keepalive, and fails with the right close code.
/// </summary>
/// <remarks>
/// <para>Thread safety: one receive at a time (a second concurrent receive throws <see cref="InvalidOperationException"/>);
/// any number of concurrent sends. The frames of two messages never interleave, and control frames (pongs, the close) go
/// out between the fragments of a long message.</para>
/// <para><see cref="CloseAsync"/>, <see cref="Abort"/> and <see cref="Dispose"/> may be called from any thread, while other
/// threads receive and send. A close started beside a receive loop ends that loop with the peer's close: a receive in
/// progress meets it; if none is, <see cref="CloseAsync"/> reads (and discards) on the application's behalf, and a receive
/// called meanwhile takes over at the next message boundary and receives what follows, or returns the peer's close if
/// <see cref="CloseAsync"/> already read it (or had begun reading while the application was partway through streaming a
/// message, whose rest it discarded). After <see cref="Abort"/> a receive ends with
/// <see cref="OperationCanceledException"/>; one that starts after <see cref="Dispose"/> throws
/// <see cref="ObjectDisposedException"/>; a send throws <see cref="InvalidOperationException"/> (or
/// <see cref="WebSocketProtocolException"/> with <see cref="ProtocolError.ConnectionLost"/> if it was waiting for the
/// transport). A receive or send still running keeps the buffers it uses, which go back to the pool when it leaves; a
/// message from <see cref="ReceiveMessageAsync"/> is valid until the next receive or <see cref="Dispose"/>.</para>
/// <para>Every protocol violation by the peer sends the close code its rule maps to (1002, 1007, 1009), drops the
/// transport and throws <see cref="WebSocketProtocolException"/> from the receive; messages received before it were
/// delivered first. A timer that expires (keepalive, idle, frame) fails the connection the same way.</para>
/// </remarks>
public sealed partial class WebSocketConnection : IDisposable
{
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly FrameReader _reader;
    private readonly FrameWriter _writer;
    private readonly WebSocketConnectionOptions _options;
    private readonly WebSocketExtension[] _extensions;

    // Where message, inflate and scratch buffers come from: the shared pool, unless a test gives one that checks returns.
    private readonly ArrayPool<byte> _bufferPool;

    // permessage-deflate, when the handshake agreed it: the only extension the connection knows how to apply.
    private readonly PerMessageDeflateExtension? _deflate;
    private readonly long _compressedWireLimit;

    // One outgoing data message at a time; one frame write-and-flush at a time. The frame lock is also the send side's
    // ownership: only its holder touches the output pipe and the compressor.
    private readonly SemaphoreSlim _messageLock = new(1, 1);
    private readonly AsyncMutex _frameLock = new();

    private readonly TaskCompletionSource<bool> _closeReceived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Keepalive, idle and frame time-outs (WebSocketConnection.Timers.cs); null when all are off.
    private readonly Timer? _timer;

    // A System.Net.WebSockets.WebSocketState: Open from the start (the handshake is done before a connection exists).
    private int _state = (int)WebSocketState.Open;
    private bool _closeSent;

    // Set for WebSocketConnectionAdapter: code written for System.Net.WebSockets answers the peer's close itself, with its
    // own status and description, so the connection must not answer it first.
    private bool _applicationAnswersClose;

    // A ProtocolError, set once: the first failure wins (the timer and the receive may fail the connection at once).
    private int _failure;
    private int _disposed;
    private int _outputCompleted;
    private int _inputReleased;

    // After Dispose, the receive side (its slot) and the send side (the frame lock) each give their state back when the
    // last user leaves; the extensions, used by both, are disposed when both have.
    private int _sendSideRetired;
    private int _sidesInUse = 2;

    /// <summary>Creates a connection over pipes whose opening handshake has completed.</summary>
    /// <param name="input">Bytes from the peer, starting at the first frame.</param>
    /// <param name="output">Bytes to the peer.</param>
    /// <param name="options">Role, limits and timers.</param>
    /// <param name="subProtocol">The subprotocol agreed in the handshake, if any.</param>
    /// <param name="extensions">
    /// The extensions agreed in the handshake (<see cref="Handshake.ServerHandshakeResult.Extensions"/> or
    /// <see cref="Handshake.ClientHandshakeResult.Extensions"/>); the connection owns and disposes them. It applies
    /// <see cref="PerMessageDeflateExtension"/> and refuses any other.
    /// </param>
    /// <exception cref="ArgumentException">An extension is not one the connection can apply, or was agreed for the other role.</exception>
    public WebSocketConnection(PipeReader input, PipeWriter output, WebSocketConnectionOptions options, string? subProtocol = null, IReadOnlyList<WebSocketExtension>? extensions = null)
    {
        _input = input ?? throw new ArgumentNullException(nameof(input));
        _output = output ?? throw new ArgumentNullException(nameof(output));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _bufferPool = options.BufferPool;
        if (options.MaxMessageSize < FrameHeader.MaxControlPayloadLength)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "MaxMessageSize must admit a control frame (125 bytes).");
        }

        SubProtocol = subProtocol;
        _extensions = extensions is null || extensions.Count == 0 ? Array.Empty<WebSocketExtension>() : new WebSocketExtension[extensions.Count];
        ReservedBits claimed = ReservedBits.None;
        for (int i = 0; i < _extensions.Length; i++)
        {
            // Any other extension would change frames in ways this connection cannot undo, so it is refused up front.
            if (extensions![i] is not PerMessageDeflateExtension deflate || deflate.Role != options.Role || _deflate is not null)
            {
                throw new ArgumentException($"The connection applies permessage-deflate, once, agreed for its own role; it cannot apply '{extensions[i]?.Name}'.", nameof(extensions));
            }

            _extensions[i] = _deflate = deflate;
            claimed |= deflate.ReservedBits;
        }

        // Compressed data may be a little longer than what it inflates to (incompressible input, a peer's fixed codes): it
        // gets one eighth more room on the wire, while the inflated size is held to the limit itself.
        _compressedWireLimit = _deflate is null ? options.MaxMessageSize
            : options.MaxMessageSize > long.MaxValue / 2 ? long.MaxValue
            : options.MaxMessageSize + (options.MaxMessageSize / 8) + 1024;
        _reader = new FrameReader(input, new FrameReaderOptions(options.Role) { MaxFramePayloadLength = _compressedWireLimit, AllowedReservedBits = claimed });
        _writer = new FrameWriter(output, options.Role);
        _keepAliveEnabled = IsFinite(options.KeepAliveInterval);
        _idleTimeoutEnabled = IsFinite(options.IdleTimeout);
        _frameTimeoutMilliseconds = IsFinite(options.FrameTimeout) ? Math.Max(1, (long)options.FrameTimeout.TotalMilliseconds) : 0;
        _timer = StartTimer();
    }

    private static bool IsFinite(TimeSpan span) => span != Timeout.InfiniteTimeSpan && span > TimeSpan.Zero;

    /// <summary>The side this connection plays.</summary>
    public WebSocketRole Role => _options.Role;

    /// <summary>The subprotocol agreed in the handshake, or <see langword="null"/>.</summary>
    public string? SubProtocol { get; }

    /// <summary>The extensions agreed in the handshake, which this connection applies.</summary>
    public IReadOnlyList<WebSocketExtension> Extensions => _extensions;

    /// <summary>Where the connection is in its life.</summary>
    public WebSocketState State => (WebSocketState)Volatile.Read(ref _state);

    /// <summary>The status the peer closed with, once its close frame arrived.</summary>
    public CloseStatus? PeerCloseStatus { get; private set; }

    /// <summary>The reason the peer gave in its close frame, once it arrived.</summary>
    public string? PeerCloseReason { get; private set; }

    /// <summary>Whether the peer's close frame has arrived.</summary>
    internal bool CloseFrameReceived => PeerCloseStatus is not null;

    /// <summary>Whether this side's close frame has gone out (or is going out).</summary>
    internal bool CloseFrameSent => Volatile.Read(ref _closeSent);

    /// <summary>Whether the connection failed: the peer broke the protocol, the transport was lost, or a timer expired.</summary>
    internal bool HasFailed => Failure != ProtocolError.None;

    /// <summary>The rule whose breach failed the connection, or <see cref="ProtocolError.None"/>.</summary>
    internal ProtocolError Failure => (ProtocolError)Volatile.Read(ref _failure);

    private bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Leaves the answer to the peer's close frame to the application (see <see cref="WebSocketConnectionAdapter"/>).</summary>
    internal void LeaveCloseAnswerToApplication() => _applicationAnswersClose = true;

    /// <summary>
    /// Closes the transport at once, without a closing handshake; a receive in progress ends with an
    /// <see cref="OperationCanceledException"/>, whatever the transport reports. Safe from any thread, at any time.
    /// </summary>
    public void Abort()
    {
        // Closed first, with a full fence: a receive or send that looks after this writes and reads nothing more, and one
        // leaving its slot after this sees it and releases what this call could not.
        Interlocked.Exchange(ref _state, (int)WebSocketState.Closed);
        Interlocked.Exchange(ref _slotExitWork, 1);
        _timer?.Dispose();
        _closeReceived.TrySetResult(false);

        // Wake a send waiting in its flush and a receive waiting for bytes, so that they leave at once.
        if (Volatile.Read(ref _outputCompleted) == 0)
        {
            try
            {
                _output.CancelPendingFlush();
            }
            catch (Exception exception) when (IsTransportFailure(exception))
            {
                // Completed meanwhile: nothing waits in it any more.
            }
        }

        if (Volatile.Read(ref _inputReleased) == 0)
        {
            try
            {
                _input.CancelPendingRead();
            }
            catch (Exception exception) when (IsTransportFailure(exception))
            {
                // Released meanwhile.
            }
        }

        // Each pipe belongs to whoever holds its side's slot: it is completed now if nobody does, else as they leave.
        ReleaseSendSideWhenFree(abandonUnflushed: true);
        ReleaseReceiveSideIfFree();
    }

    /// <summary>
    /// Aborts the connection if it is still open and returns the pooled buffers: at once when no receive or send is running,
    /// else as the last of them leaves, so that nothing still in use goes back to the pool. A message received earlier is
    /// invalid afterwards.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Abort();
    }

    /// <summary>Completes the output, and after Dispose retires the send side, once the frame lock is free.</summary>
    private void ReleaseSendSideWhenFree(bool abandonUnflushed)
    {
        if (!_frameLock.TryEnter())
        {
            // A send holds it: it sees the connection closed (or is woken from its flush) and leaves soon.
            _ = ReleaseSendSideAfterFrameLockAsync(abandonUnflushed);
            return;
        }

        try
        {
            ReleaseSendSide(abandonUnflushed);
        }
        finally
        {
            _frameLock.Exit();
        }
    }

    private async Task ReleaseSendSideAfterFrameLockAsync(bool abandonUnflushed)
    {
        await _frameLock.EnterAsync().ConfigureAwait(false);
        try
        {
            ReleaseSendSide(abandonUnflushed);
        }
        finally
        {
            _frameLock.Exit();
        }
    }

    /// <summary>Holding the frame lock, with the connection closed: no holder after this one writes, so the output can end.</summary>
    private void ReleaseSendSide(bool abandonUnflushed)
    {
        CompleteOutput(abandonUnflushed);
        if (IsDisposed && Interlocked.Exchange(ref _sendSideRetired, 1) == 0)
        {
            OnSideRetired();
        }
    }

    /// <summary>The extensions' state is used by both sides: it goes when the second of them has retired.</summary>
    private void OnSideRetired()
    {
        if (Interlocked.Decrement(ref _sidesInUse) == 0)
        {
            foreach (WebSocketExtension extension in _extensions)
            {
                extension.Dispose();
            }
        }
    }

    /// <summary>Completes the output once; the frame lock is held, or the caller owns the send side some other way.</summary>
    private void CompleteOutput(bool abandonUnflushed)
    {
        if (Interlocked.Exchange(ref _outputCompleted, 1) != 0)
        {
            return;
        }

        try
        {
            // Bytes still unflushed belong to a send being abandoned (one cancelled while the peer read nothing): a stream's
            // writer would write them synchronously on Complete, which can block for ever. An error drops them.
            Exception? abandoned = abandonUnflushed && _output.CanGetUnflushedBytes && _output.UnflushedBytes > 0
                ? new OperationCanceledException("The connection was aborted with a send unfinished.")
                : null;
            _output.Complete(abandoned);
        }
        catch (Exception exception) when (IsTransportFailure(exception))
        {
            // Completing may flush what is left into a transport that is already broken; it is closed either way.
        }
    }

    /// <summary>Lets go of the input once; only the holder of the receive slot may call this.</summary>
    private void ReleaseInput()
    {
        if (Interlocked.Exchange(ref _inputReleased, 1) != 0)
        {
            return;
        }

        try
        {
            _reader.ReleaseInput();
        }
        catch (Exception exception) when (exception is InvalidOperationException or ArgumentException)
        {
            // The pipe was completed under the reader already (its owner disposed the transport first): a completed pipe
            // refuses AdvanceTo, and a stream's pipe has already recycled the buffers the reader still points into.
        }

        try
        {
            _input.Complete();
        }
        catch (Exception exception) when (IsTransportFailure(exception))
        {
            // A broken transport cannot be released more cleanly than this.
        }
    }

    private static bool IsTransportFailure(Exception exception) =>
        exception is System.IO.IOException or InvalidOperationException or ObjectDisposedException or System.Net.Sockets.SocketException;
}
