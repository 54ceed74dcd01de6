using System;
using System.Buffers;
using System.Net.WebSockets;
using System.Threading;
using WebSocketProtocol.Extensions.Deflate;
using WebSocketProtocol.Framing;

namespace WebSocketProtocol.Protocol;

/// <summary>
/// The WebSocket protocol of one connection as a synchronous state machine, with no I/O, no timers and no awaiting (the
/// sans-I/O design): received bytes go in with <see cref="Receive"/> and come out as events (message data, ping, pong,
/// close, failure); the frames this endpoint owes the peer (pongs, the close answer, the close a failure sends) and the
/// frames it sends are written into an <see cref="IBufferWriter{T}"/>; the time comes in through <see cref="OnTick"/>.
/// <c>WebSocketConnection</c> is the asynchronous shell that reads and flushes the pipes around it.
/// </summary>
/// <remarks>
/// <para>Threads: the receive side (<see cref="Receive"/>, <see cref="InputEnded"/>, the frame wait) is called by one thread
/// at a time, the receiving one; the send side (the <c>Write</c> methods) by one thread at a time, the holder of the shell's
/// send lock. What both touch is the owed state (a pong, a close answer) and whether our close went out: a small lock
/// guards it (<c>ConnectionProtocol.Owed.cs</c>). The state and the failure change by compare-and-swap, from any thread,
/// and the timer's fields are read and written with volatile accesses (<c>ConnectionProtocol.Timers.cs</c>).</para>
/// <para>Failures: the first one wins, atomically (a timer and the receive may fail the connection at the same moment);
/// it owes the peer a close frame with the code <see cref="ProtocolErrorExtensions.ToCloseStatus"/> maps the rule to, when
/// that code may be sent, and from then on the receive side discards its input.</para>
/// </remarks>
internal sealed partial class ConnectionProtocol
{
    private readonly ProtocolSettings _settings;
    private readonly FrameReaderOptions _frameRules;
    private readonly FrameWriter _writer;
    private readonly ArrayPool<byte> _bufferPool;

    // permessage-deflate, when the handshake agreed it: the only extension the protocol knows how to apply.
    private readonly PerMessageDeflateExtension? _deflate;

    // A System.Net.WebSockets.WebSocketState, and a ProtocolError set once.
    private int _state = (int)WebSocketState.Open;
    private int _failure;

    /// <summary>Creates the protocol state of a connection whose opening handshake is done.</summary>
    /// <param name="settings">Role, limits and timers.</param>
    /// <param name="deflate">permessage-deflate as agreed for this role, or <see langword="null"/>.</param>
    /// <param name="output">Where frames are written; the shell flushes it.</param>
    /// <param name="now">The current time in milliseconds (<see cref="MonotonicClock"/>), from which the timers count.</param>
    /// <param name="bufferPool">Where the inflate buffer comes from; the shared pool by default.</param>
    public ConnectionProtocol(ProtocolSettings settings, PerMessageDeflateExtension? deflate, IBufferWriter<byte> output, long now, ArrayPool<byte>? bufferPool = null)
    {
        _settings = settings ?? throw new ArgumentNullException(nameof(settings));
        if (settings.MaxMessageSize < FrameHeader.MaxControlPayloadLength)
        {
            throw new ArgumentOutOfRangeException(nameof(settings), "MaxMessageSize must admit a control frame (125 bytes).");
        }

        if (deflate is not null && deflate.Role != settings.Role)
        {
            throw new ArgumentException("permessage-deflate was agreed for the other role.", nameof(deflate));
        }

        _deflate = deflate;
        _bufferPool = bufferPool ?? ArrayPool<byte>.Shared;
        _writer = new FrameWriter(output, settings.Role);

        // Compressed data may be a little longer than what it inflates to (incompressible input, a peer's fixed codes): it
        // gets one eighth more room on the wire, while the inflated size is held to the limit itself.
        long wireLimit = deflate is null ? settings.MaxMessageSize
            : settings.MaxMessageSize > long.MaxValue / 2 ? long.MaxValue
            : settings.MaxMessageSize + (settings.MaxMessageSize / 8) + 1024;
        _frameRules = new FrameReaderOptions(settings.Role)
        {
            MaxFramePayloadLength = wireLimit,
            AllowedReservedBits = deflate is null ? ReservedBits.None : deflate.ReservedBits,
        };
        _lastReceived = _lastPing = now;
    }

    /// <summary>The side this endpoint plays.</summary>
    public WebSocketRole Role => _settings.Role;

    /// <summary>
    /// Open, CloseSent or CloseReceived while the closing handshake runs; Closed once the shell ended the transport after
    /// it; Aborted after a failure, a lost transport or an abort (the platform's meanings).
    /// </summary>
    public WebSocketState State => (WebSocketState)Volatile.Read(ref _state);

    /// <summary>Whether the connection is Closed or Aborted.</summary>
    public bool IsEnded => Volatile.Read(ref _state) >= (int)WebSocketState.Closed;

    /// <summary>The rule whose breach (or the timer, or the lost transport) failed the connection; <see cref="ProtocolError.None"/> if none did.</summary>
    public ProtocolError Failure => (ProtocolError)Volatile.Read(ref _failure);

    /// <summary>
    /// Whether the peer's close frame is answered here (the answer is owed at once); false leaves it to the application,
    /// as System.Net.WebSockets code expects (see <c>WebSocketConnectionAdapter</c>).
    /// </summary>
    public bool AnswersCloseFrames { get; set; } = true;

    /// <summary>
    /// Fails the connection for <paramref name="error"/> unless it already failed: the first failure wins. Owes the peer a
    /// close frame with the rule's code when that code may go on the wire (not 1006) and our close has not gone out.
    /// Safe from any thread. Returns whether this call failed it.
    /// </summary>
    public bool Fail(ProtocolError error)
    {
        if (error == ProtocolError.None || Interlocked.CompareExchange(ref _failure, (int)error, (int)ProtocolError.None) != (int)ProtocolError.None)
        {
            return false;
        }

        CloseStatus status = error.ToCloseStatus();
        if (CloseStatusRules.IsSendable((ushort)status))
        {
            OweClose((int)status);
        }

        return true;
    }

    /// <summary>
    /// The transport ended: a lost connection (RFC 6455 section 7.1.5, abnormal closure), or a truncated frame when
    /// <paramref name="bytesPending"/> (bytes of an unfinished frame are left) or a frame's payload is still owed.
    /// </summary>
    public ReceiveEvent InputEnded(bool bytesPending)
    {
        Fail(bytesPending || _frameRemaining > 0 ? ProtocolError.TruncatedFrame : ProtocolError.ConnectionLost);
        return ReceiveEvent.Failed(Failure);
    }

    /// <summary>The closing handshake is over and the shell ended the transport: Closed, unless the connection already ended.</summary>
    public void MarkClosed() => EndState(WebSocketState.Closed);

    /// <summary>The transport was dropped without a completed closing handshake: Aborted, unless the connection already ended.</summary>
    public void MarkAborted() => EndState(WebSocketState.Aborted);

    /// <summary>Gives back the pooled buffer the receive side may hold; the receive side must not be in use.</summary>
    public void ReleaseBuffers() => ReturnInflateInput();

    private void EndState(WebSocketState ended)
    {
        int state = Volatile.Read(ref _state);
        while (state < (int)WebSocketState.Closed)
        {
            int seen = Interlocked.CompareExchange(ref _state, (int)ended, state);
            if (seen == state)
            {
                return;
            }

            state = seen;
        }
    }

    /// <summary>Moves the state from <paramref name="expected"/> to <paramref name="next"/> if it is still there.</summary>
    private void MoveState(WebSocketState expected, WebSocketState next) =>
        Interlocked.CompareExchange(ref _state, (int)next, (int)expected);
}
