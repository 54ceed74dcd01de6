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
/// <para>Thread safety: one receive at a time (a second concurrent receive throws); any number of concurrent sends.
/// The frames of two messages never interleave, and control frames (pongs, the close) go out between the fragments of a
/// long message.</para>
/// <para>Every protocol violation by the peer sends the close code its rule maps to (1002, 1007, 1009), drops the
/// transport and throws <see cref="WebSocketProtocolException"/> from the receive; messages received before it were
/// delivered first.</para>
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

    // One outgoing data message at a time; one frame write-and-flush at a time.
    private readonly SemaphoreSlim _messageLock = new(1, 1);
    private readonly AsyncMutex _frameLock = new();

    private readonly TaskCompletionSource<bool> _closeReceived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Timer? _keepAliveTimer;

    private int _state;
    private bool _closeSent;

    // Set for WebSocketConnectionAdapter: code written for System.Net.WebSockets answers the peer's close itself, with its
    // own status and description, so the connection must not answer it first.
    private bool _applicationAnswersClose;
    private ProtocolError _failure;
    private int _disposed;
    private int _outputCompleted;
    private int _inputReleased;

    /// <summary>Creates a connection over pipes whose opening handshake has completed.</summary>
    /// <param name="input">Bytes from the peer, starting at the first frame.</param>
    /// <param name="output">Bytes to the peer.</param>
    /// <param name="options">Role, limits and timers.</param>
    /// <param name="subprotocol">The subprotocol agreed in the handshake, if any.</param>
    /// <param name="extensions">
    /// The extensions agreed in the handshake (<see cref="Handshake.ServerHandshakeResult.Extensions"/> or
    /// <see cref="Handshake.ClientHandshakeResult.Extensions"/>); the connection owns and disposes them. It applies
    /// <see cref="PerMessageDeflateExtension"/> and refuses any other.
    /// </param>
    /// <exception cref="ArgumentException">An extension is not one the connection can apply, or was agreed for the other role.</exception>
    public WebSocketConnection(PipeReader input, PipeWriter output, WebSocketConnectionOptions options, string? subprotocol = null, IReadOnlyList<WebSocketExtension>? extensions = null)
    {
        _input = input ?? throw new ArgumentNullException(nameof(input));
        _output = output ?? throw new ArgumentNullException(nameof(output));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _bufferPool = options.BufferPool;
        if (options.MaxMessageSize < FrameHeader.MaxControlPayloadLength)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "MaxMessageSize must admit a control frame (125 bytes).");
        }

        Subprotocol = subprotocol;
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
        if (_keepAliveEnabled || _idleTimeoutEnabled)
        {
            _lastPingTicks = _lastReceivedTicks = MonotonicClock.Milliseconds;
            long shortest = Math.Min(
                _keepAliveEnabled ? Math.Min(options.KeepAliveInterval.Ticks, options.KeepAliveTimeout.Ticks) : long.MaxValue,
                _idleTimeoutEnabled ? options.IdleTimeout.Ticks : long.MaxValue);
            TimeSpan tick = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(10).Ticks, shortest / 4));
            _keepAliveTimer = new Timer(static state => ((WebSocketConnection)state!).OnKeepAliveTick(), this, tick, tick);
        }
    }

    private static bool IsFinite(TimeSpan span) => span != Timeout.InfiniteTimeSpan && span > TimeSpan.Zero;

    /// <summary>The side this connection plays.</summary>
    public WebSocketRole Role => _options.Role;

    /// <summary>The subprotocol agreed in the handshake, or <see langword="null"/>.</summary>
    public string? Subprotocol { get; }

    /// <summary>The extensions agreed in the handshake, which this connection applies.</summary>
    public IReadOnlyList<WebSocketExtension> Extensions => _extensions;

    /// <summary>Where the connection is in its life.</summary>
    public WebSocketState State => (WebSocketState)Volatile.Read(ref _state);

    /// <summary>The status the peer closed with, once its close frame arrived.</summary>
    public CloseStatus? PeerCloseStatus { get; private set; }

    /// <summary>The reason the peer gave in its close frame, once it arrived.</summary>
    public string? PeerCloseReason { get; private set; }

    /// <summary>
    /// Starts (or answers) the closing handshake: sends a close frame with <paramref name="status"/> and
    /// <paramref name="reason"/>, waits for the peer's close frame (discarding messages if no receive is running), then
    /// closes the transport (a server first; a client after the server, RFC 6455 section 7.1.1). Gives up after
    /// <see cref="WebSocketConnectionOptions.CloseTimeout"/> and closes anyway.
    /// </summary>
    /// <param name="status">A status that may be sent (not 1005, 1006 or 1015).</param>
    /// <param name="reason">At most 123 UTF-8 bytes.</param>
    /// <param name="cancellationToken">Abandons the wait; the transport is closed regardless.</param>
    public Task CloseAsync(CloseStatus status, string? reason = null, CancellationToken cancellationToken = default)
    {
        // Validate before anything goes out, so a bad reason fails the call rather than the connection.
        try
        {
            ValidateClose(status, reason);
        }
        catch (ArgumentException exception)
        {
            return Task.FromException(exception);
        }

        return CloseCoreAsync(status, reason, cancellationToken);
    }

    /// <summary>Whether the peer's close frame has arrived.</summary>
    internal bool CloseFrameReceived => PeerCloseStatus is not null;

    /// <summary>Whether this side's close frame has gone out (or is going out).</summary>
    internal bool CloseFrameSent => Volatile.Read(ref _closeSent);

    /// <summary>Whether the connection failed: the peer broke the protocol, the transport was lost, or a timer expired.</summary>
    internal bool HasFailed => _failure != ProtocolError.None;

    /// <summary>The rule whose breach failed the connection, or <see cref="ProtocolError.None"/>.</summary>
    internal ProtocolError Failure => _failure;

    /// <summary>Leaves the answer to the peer's close frame to the application (see <see cref="WebSocketConnectionAdapter"/>).</summary>
    internal void LeaveCloseAnswerToApplication() => _applicationAnswersClose = true;

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="status"/> and <paramref name="reason"/> may go in a close frame.</summary>
    internal static void ValidateClose(CloseStatus status, string? reason)
    {
        Span<byte> probe = stackalloc byte[FrameHeader.MaxControlPayloadLength];
        FrameWriter.FormatCloseBody(status, (reason ?? string.Empty).AsSpan(), probe);
    }

    /// <summary>The closing handshake of <see cref="CloseAsync"/>; a <see langword="null"/> status sends a close frame without a body.</summary>
    internal async Task CloseCoreAsync(CloseStatus? status, string? reason, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_options.CloseTimeout);
        using CancellationTokenSource linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            await SendCloseAsync(status, reason, linked.Token).ConfigureAwait(false);
            if (!_closeReceived.Task.IsCompleted)
            {
                if (Interlocked.CompareExchange(ref _receiving, 1, 0) == 0)
                {
                    try
                    {
                        await DrainUntilCloseAsync(linked.Token).ConfigureAwait(false);
                    }
                    finally
                    {
                        Volatile.Write(ref _receiving, 0);
                    }
                }
                else
                {
                    await WaitAsync(_closeReceived.Task, linked.Token).ConfigureAwait(false);
                }
            }

            await CloseTransportAsync(linked.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is OperationCanceledException or WebSocketProtocolException or InvalidOperationException or System.IO.IOException)
        {
            // No answer in time, or the transport broke: the connection ends here either way.
            Abort();
            if (exception is OperationCanceledException && cancellationToken.IsCancellationRequested)
            {
                throw;
            }
        }
    }

    /// <summary>
    /// Closes the transport at once, without a closing handshake; a receive in progress ends with an
    /// <see cref="OperationCanceledException"/>, whatever the transport reports.
    /// </summary>
    public void Abort()
    {
        Volatile.Write(ref _state, (int)WebSocketState.Closed);
        _keepAliveTimer?.Dispose();
        _closeReceived.TrySetResult(false);
        CompleteOutput(cancelPendingFlush: true);

        // The frame reader belongs to the receiving thread: release the input here only when no receive runs.
        if (Interlocked.CompareExchange(ref _receiving, 1, 0) == 0)
        {
            ReleaseInput();
            Volatile.Write(ref _receiving, 0);
        }
        else if (Volatile.Read(ref _inputReleased) == 0)
        {
            _input.CancelPendingRead();
        }
    }

    /// <summary>Aborts the connection if it is still open and returns the pooled buffers.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Abort();
        ReleaseInput();
        ReturnMessageBuffer();
        ReturnInflateInput();
        foreach (WebSocketExtension extension in _extensions)
        {
            extension.Dispose();
        }
    }

    private async Task DrainUntilCloseAsync(CancellationToken cancellationToken)
    {
        byte[] scratch = _bufferPool.Rent(4096);
        try
        {
            while (true)
            {
                ReceiveResult result = await ReceiveCoreAsync(scratch, cancellationToken).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
            }
        }
        finally
        {
            _bufferPool.Return(scratch);
        }
    }

    private async Task CloseTransportAsync(CancellationToken cancellationToken)
    {
        if (Role == WebSocketRole.Client)
        {
            // RFC 6455 section 7.1.1: the server closes TCP first; the client waits for that end of stream.
            try
            {
                _reader.ReleaseInput();
                while (true)
                {
                    ReadResult read = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
                    _input.AdvanceTo(read.Buffer.End);
                    if (read.IsCompleted || read.IsCanceled)
                    {
                        break;
                    }
                }
            }
            catch (InvalidOperationException)
            {
                // The reader was already released by a failure path.
            }
        }

        Volatile.Write(ref _state, (int)WebSocketState.Closed);
        _keepAliveTimer?.Dispose();
        TryComplete();
    }

    private void TryComplete()
    {
        CompleteOutput(cancelPendingFlush: false);
        ReleaseInput();
    }

    private void CompleteOutput(bool cancelPendingFlush)
    {
        if (Interlocked.Exchange(ref _outputCompleted, 1) != 0)
        {
            return;
        }

        try
        {
            Exception? abandoned = null;
            if (cancelPendingFlush)
            {
                _output.CancelPendingFlush();

                // Bytes still unflushed belong to a send being abandoned (one cancelled while the peer read nothing): a
                // stream's writer would write them synchronously on Complete, which can block for ever. An error drops them.
                if (_output.CanGetUnflushedBytes && _output.UnflushedBytes > 0)
                {
                    abandoned = new OperationCanceledException("The connection was aborted with a send unfinished.");
                }
            }

            _output.Complete(abandoned);
        }
        catch (Exception exception) when (IsTransportFailure(exception))
        {
            // Completing may flush what is left into a transport that is already broken; it is closed either way.
        }
    }

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

    private static async Task WaitAsync(Task task, CancellationToken cancellationToken)
    {
        var cancelled = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        using (cancellationToken.Register(static s => ((TaskCompletionSource<bool>)s!).TrySetResult(true), cancelled))
        {
            if (await Task.WhenAny(task, cancelled.Task).ConfigureAwait(false) != task)
            {
                throw new OperationCanceledException(cancellationToken);
            }
        }
    }
}
