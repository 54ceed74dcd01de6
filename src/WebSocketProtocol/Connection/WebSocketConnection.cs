using System;
using System.Collections.Generic;
using System.IO.Pipelines;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Extensions;
using WebSocketProtocol.Extensions.Deflate;
using WebSocketProtocol.Handshake;
using WebSocketProtocol.Protocol;

namespace WebSocketProtocol.Connection;

/// <summary>
/// A WebSocket connection at the level of messages, over the pipes of an upgraded transport. The protocol itself (framing
/// rules, reassembly, UTF-8, permessage-deflate, limits, answering pings and closes) is a synchronous core; this class is
/// its asynchronous shell: it reads and flushes the pipes, orders sends, runs the timers and the closing handshake.
/// </summary>
/// <remarks>
/// <para>Thread safety: one receive at a time (a second concurrent receive throws <see cref="InvalidOperationException"/>);
/// any number of concurrent sends. The frames of two messages never interleave, and control frames (pongs, the close) go
/// out between the fragments of a long message. <see cref="CloseAsync"/>, <see cref="Abort"/> and <see cref="Dispose"/>
/// may be called from any thread, while other threads receive and send. A close started beside a receive loop ends that
/// loop with the peer's close: a receive in progress meets it; if none is, <see cref="CloseAsync"/> reads (and discards)
/// for the application, and a receive called meanwhile takes over at the next message boundary, or returns the peer's
/// close if <see cref="CloseAsync"/> already read it (or began while a streamed message was unfinished, whose rest it
/// discarded).</para>
/// <para>Received messages: a <see cref="WebSocketMessage"/> from <see cref="ReceiveMessageAsync"/> is a lease on a pooled
/// buffer. It stays intact until it is disposed, whatever is received meanwhile and after this connection is disposed;
/// disposing it gives the buffer back, and reading it afterwards throws <see cref="ObjectDisposedException"/>.</para>
/// <para>How a connection ends, as a receive sees it:</para>
/// <list type="bullet">
/// <item>The peer closes: a <see cref="WebSocketMessageType.Close"/> message with its status and reason; the close is
/// answered for you. <see cref="State"/> is Closed once the transport is ended (a server ends it first, RFC 6455 section
/// 7.1.1). A receive after that throws <see cref="InvalidOperationException"/>.</item>
/// <item>The connection is lost: the transport ends or fails without a close frame (RFC 6455 section 7.1.5), or a timer of
/// this side's finds the peer gone (keepalive, idle, frame time-outs, whose close code goes out if it can). An ordinary
/// outcome, not an exception: a Close message with <see cref="CloseStatus.AbnormalClosure"/> (1006) and
/// <see cref="WebSocketMessage.AbnormalClosureReason"/> saying why, and again for any later receive.
/// <see cref="State"/> is Aborted.</item>
/// <item>The peer breaks the protocol: the close code its rule maps to (1002, 1007, 1009) goes out, the transport is
/// dropped, and the receive throws <see cref="WebSocketProtocolException"/> (the rule, and the code sent); messages
/// received before were delivered first. <see cref="State"/> is Aborted.</item>
/// <item><see cref="Abort"/>: a waiting receive ends with <see cref="OperationCanceledException"/>, as does one started
/// later; <see cref="State"/> is Aborted. After <see cref="Dispose"/> a receive throws <see cref="ObjectDisposedException"/>
/// and <see cref="State"/> is Closed unless the connection had ended already.</item>
/// </list>
/// <para>A send once the connection is closing or ended throws <see cref="InvalidOperationException"/>, or
/// <see cref="WebSocketProtocolException"/> with <see cref="ProtocolError.ConnectionLost"/> if it was waiting for the
/// transport. A receive or send still running keeps the buffers it uses, which go back to the pool when it leaves.</para>
/// </remarks>
public sealed partial class WebSocketConnection : IDisposable
{
    private readonly ConnectionProtocol _protocol;
    private readonly ConnectionInput _input;
    private readonly ConnectionOutput _output;
    private readonly ReceiveSlot _slot;
    private readonly MessageReceiver _receiver;
    private readonly MessageSender _sender;
    private readonly WebSocketConnectionOptions _options;
    private readonly WebSocketExtension[] _extensions;
    private readonly ConnectionTimer? _timer;
    private readonly Action _sendSideReleased;
    private int _disposed;

    // After Dispose, the receive side (its slot) and the send side (the frame lock) each give their state back when the last
    // user leaves; the extensions, used by both, are disposed when both have.
    private int _sendSideRetired;
    private int _sidesInUse = 2;

    /// <summary>Creates a connection over pipes whose opening handshake has completed, with no subprotocol or extension.</summary>
    /// <param name="input">Bytes from the peer, starting at the first frame.</param>
    /// <param name="output">Bytes to the peer.</param>
    /// <param name="options">Role, limits and timers.</param>
    public WebSocketConnection(PipeReader input, PipeWriter output, WebSocketConnectionOptions options)
        : this(input, output, options, null, null)
    {
    }

    /// <summary>Creates a server's connection with the subprotocol and extensions its accepted handshake agreed.</summary>
    /// <param name="input">Bytes from the client, starting at the first frame.</param>
    /// <param name="output">Bytes to the client.</param>
    /// <param name="options">Limits and timers, for the server role.</param>
    /// <param name="handshake">The accepted handshake; the connection owns its extensions from now on.</param>
    /// <exception cref="ArgumentException">The handshake was not accepted, or the options are for the client role.</exception>
    public WebSocketConnection(PipeReader input, PipeWriter output, WebSocketConnectionOptions options, ServerHandshakeResult handshake)
        : this(input, output, options, handshake.Outcome == HandshakeOutcome.Accepted ? handshake.SubProtocol : throw new ArgumentException("The handshake was not accepted.", nameof(handshake)), handshake.Extensions)
    {
    }

    /// <summary>Creates a client's connection with the subprotocol and extensions the server's response agreed.</summary>
    /// <param name="input">Bytes from the server, starting at the first frame.</param>
    /// <param name="output">Bytes to the server.</param>
    /// <param name="options">Limits and timers, for the client role.</param>
    /// <param name="handshake">The validated response; the connection owns its extensions from now on.</param>
    /// <exception cref="ArgumentException">The options are for the server role.</exception>
    public WebSocketConnection(PipeReader input, PipeWriter output, WebSocketConnectionOptions options, ClientHandshakeResult handshake)
        : this(input, output, options, handshake.SubProtocol, handshake.Extensions)
    {
    }

    /// <summary>Creates a connection applying <paramref name="extensions"/>: permessage-deflate, once, agreed for its role.</summary>
    internal WebSocketConnection(PipeReader input, PipeWriter output, WebSocketConnectionOptions options, string? subProtocol = null, IReadOnlyList<WebSocketExtension>? extensions = null)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        SubProtocol = subProtocol;
        _extensions = extensions is null || extensions.Count == 0 ? Array.Empty<WebSocketExtension>() : new WebSocketExtension[extensions.Count];
        PerMessageDeflateExtension? deflate = null;
        for (int i = 0; i < _extensions.Length; i++)
        {
            // Any other extension would change frames in ways this connection cannot undo, so it is refused up front.
            if (extensions![i] is not PerMessageDeflateExtension agreed || agreed.Role != options.Role || deflate is not null)
            {
                throw new ArgumentException($"The connection applies permessage-deflate, once, agreed for its own role; it cannot apply '{extensions[i]?.Name}'.", nameof(extensions));
            }

            _extensions[i] = deflate = agreed;
        }

        ProtocolSettings settings = options.ToProtocolSettings();
        _protocol = new ConnectionProtocol(settings, deflate, output ?? throw new ArgumentNullException(nameof(output)), MonotonicClock.Milliseconds, options.BufferPool);
        _input = new ConnectionInput(input ?? throw new ArgumentNullException(nameof(input)));
        _output = new ConnectionOutput(output, _protocol, options.KeepAliveTimeout, OnOwedFlushStalled);
        _slot = new ReceiveSlot(this);
        _receiver = new MessageReceiver(this, _protocol, _input, _output, _slot, options);
        _sender = new MessageSender(_protocol, _output, options);
        _sendSideReleased = OnSendSideReleased;
        _timer = ConnectionTimer.Start(this, settings);
    }

    /// <summary>The side this connection plays.</summary>
    public WebSocketRole Role => _options.Role;

    /// <summary>The subprotocol agreed in the handshake, or <see langword="null"/>.</summary>
    public string? SubProtocol { get; }

    /// <summary>The extensions agreed in the handshake, which this connection applies.</summary>
    public IReadOnlyList<WebSocketExtension> Extensions => _extensions;

    /// <summary>
    /// Where the connection is in its life, as System.Net.WebSockets names it: Open, CloseSent, CloseReceived; Closed after
    /// the closing handshake (or <see cref="Dispose"/>); Aborted after a lost connection, a failure or <see cref="Abort"/>.
    /// </summary>
    public WebSocketState State => _protocol.State;

    /// <summary>The status the peer closed with, once its close frame arrived.</summary>
    public CloseStatus? PeerCloseStatus => _protocol.PeerCloseStatus;

    /// <summary>The reason the peer gave in its close frame, once it arrived.</summary>
    public string? PeerCloseReason => _protocol.PeerCloseReason;

    internal ConnectionProtocol Protocol => _protocol;

    internal bool CloseFrameReceived => PeerCloseStatus is not null;

    internal bool CloseFrameSent => _protocol.CloseSent;

    internal bool HasFailed => Failure != ProtocolError.None;

    internal ProtocolError Failure => _protocol.Failure;

    internal Task CloseReceived => _receiver.CloseReceived;

    /// <summary>Whether the connection has ended for receiving: the peer's close arrived, it failed, or it ended (an abort).</summary>
    internal bool HasEndedForReceive => _receiver.CloseReceived.IsCompleted || Failure != ProtocolError.None || _protocol.IsEnded;

    internal bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Leaves the answer to the peer's close frame to the application (see <see cref="WebSocketConnectionAdapter"/>).</summary>
    internal void LeaveCloseAnswerToApplication() => _protocol.AnswersCloseFrames = false;

    /// <summary>
    /// Drops the transport at once, without a closing handshake; a receive in progress ends with an
    /// <see cref="OperationCanceledException"/>, whatever the transport reports. Safe from any thread, at any time.
    /// </summary>
    public void Abort()
    {
        // Ended first, with a full fence: a receive or send that looks after this writes and reads nothing more, and one
        // leaving its side after this sees it and releases what this call could not.
        _protocol.MarkAborted();
        _slot.RequireExitWork();
        _timer?.Dispose();
        _receiver.OnAborted();

        // Wake a send waiting in its flush and a receive waiting for bytes, so that they leave at once; each pipe belongs to
        // whoever holds its side, and is completed now if nobody does, else as they leave.
        _output.CancelPendingFlush();
        _input.CancelPendingRead();
        _output.CompleteWhenFree(abandonUnflushed: true, _sendSideReleased);
        ReleaseReceiveSideIfFree();
    }

    /// <summary>
    /// Drops the connection if it is still open and returns the pooled buffers: at once when no receive or send is running,
    /// else as the last of them leaves. Messages received earlier stay intact until disposed themselves.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _protocol.MarkClosed();
            Abort();
        }
    }

    /// <summary>Called by the receive slot's last holder after the connection ended: releases what a teardown could not.</summary>
    internal void OnReceiveSlotLeft()
    {
        if (_protocol.IsEnded || IsDisposed)
        {
            ReleaseReceiveSideIfFree();
        }
    }

    /// <summary>With the connection ended: releases the input, and after Dispose retires the receive side, unless it is in use.</summary>
    private void ReleaseReceiveSideIfFree()
    {
        while (_slot.TryEnterRelease())
        {
            _input.Complete();
            if (IsDisposed)
            {
                _protocol.ReleaseBuffers();
                _slot.Retire();
                OnSideRetired();
                return;
            }

            // Dispose may come between the check and the freeing, find the slot held, and count on this: look again.
            _slot.ExitRelease();
            if (!IsDisposed)
            {
                return;
            }
        }
    }

    /// <summary>Under the frame lock, the output completed: after Dispose the send side retires.</summary>
    private void OnSendSideReleased()
    {
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

    /// <summary>A pong waited the keepalive timeout for a peer that stopped reading: the peer is gone.</summary>
    private void OnOwedFlushStalled()
    {
        _protocol.Fail(ProtocolError.KeepAliveTimeout);
        Abort();
    }
}
