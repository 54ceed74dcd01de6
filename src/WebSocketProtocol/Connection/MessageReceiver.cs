using System;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Protocol;

namespace WebSocketProtocol.Connection;

/// <summary>
/// The receive side of a <see cref="WebSocketConnection"/>: runs the protocol over the input cursor, reads more only when
/// the protocol asks, and does what each event asks of the shell (start the pong writer, answer a close, send a failure's
/// close and drop the transport). Used by the holder of the receive slot.
/// </summary>
internal sealed class MessageReceiver
{
    private readonly WebSocketConnection _connection;
    private readonly ConnectionProtocol _protocol;
    private readonly ConnectionInput _input;
    private readonly ConnectionOutput _output;
    private readonly ReceiveSlot _slot;
    private readonly MessageBufferPool _messages;
    private readonly WebSocketConnectionOptions _options;
    private readonly TaskCompletionSource<bool> _closeReceived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Set when CloseAsync read the peer's close for an application that was not receiving: its next receive returns it.
    private int _closeUndelivered;

    public MessageReceiver(WebSocketConnection connection, ConnectionProtocol protocol, ConnectionInput input, ConnectionOutput output, ReceiveSlot slot, WebSocketConnectionOptions options)
    {
        _connection = connection;
        _protocol = protocol;
        _input = input;
        _output = output;
        _slot = slot;
        _options = options;
        _messages = new MessageBufferPool(options.BufferPool, options.MaxMessageSize);
    }

    /// <summary>Completes once the peer's close was handled (true), or the connection was aborted (false).</summary>
    public Task<bool> CloseReceived => _closeReceived.Task;

    /// <summary>The connection was aborted: whoever waits for the peer's close stops waiting.</summary>
    public void OnAborted() => _closeReceived.TrySetResult(false);

    /// <summary>What a drain's receive returns when it stops for a waiting receive: no receive produces a negative count.</summary>
    private static readonly ReceiveResult YieldedToWaitingReceive = new(-1, WebSocketMessageType.Binary, false);

    /// <summary>A streaming receive: the next bytes of a message, or the end of the connection.</summary>
    public ValueTask<ReceiveResult> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            throw new ArgumentException("The receive buffer must not be empty.", nameof(buffer));
        }

        if (!_slot.TryEnter())
        {
            return ReceiveWhenSlotFreeAsync(buffer, cancellationToken);
        }

        var destination = new MemoryReceiveBuffer(buffer);
        if (!cancellationToken.IsCancellationRequested && !_connection.HasEndedForReceive && TryReceiveBuffered(ref destination, wholeMessage: false, out ReceiveEvent received))
        {
            // Bytes were buffered: no state machine for the common case.
            _slot.Exit();
            return new ValueTask<ReceiveResult>(new ReceiveResult(received.Count, received.MessageType, received.EndOfMessage));
        }

        ValueTask<ReceiveResult> receive = ReceiveCoreAsync(destination, wholeMessage: false, cancellationToken);
        if (receive.IsCompleted)
        {
            _slot.Exit();
            return receive;
        }

        return ExitSlotAfterAsync(receive);
    }

    private async ValueTask<ReceiveResult> ReceiveWhenSlotFreeAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (!await _slot.WaitAsync(cancellationToken).ConfigureAwait(false))
        {
            return ReceiveAfterEnd();
        }

        return await ExitSlotAfterAsync(ReceiveCoreAsync(new MemoryReceiveBuffer(buffer), wholeMessage: false, cancellationToken)).ConfigureAwait(false);
    }

#if NET6_0_OR_GREATER
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
#endif
    private async ValueTask<ReceiveResult> ExitSlotAfterAsync(ValueTask<ReceiveResult> receive)
    {
        try
        {
            return await receive.ConfigureAwait(false);
        }
        finally
        {
            _slot.Exit();
        }
    }

    /// <summary>A whole message, leased, or the end of the connection.</summary>
    public ValueTask<WebSocketMessage> ReceiveMessageAsync(CancellationToken cancellationToken = default)
    {
        if (!_slot.TryEnter())
        {
            return ReceiveMessageWhenSlotFreeAsync(cancellationToken);
        }

        MessageBuffer message = _messages.Rent();
        var destination = new MessageReceiveBuffer(message);
        if (!cancellationToken.IsCancellationRequested && !_connection.HasEndedForReceive && TryReceiveBuffered(ref destination, wholeMessage: true, out ReceiveEvent received))
        {
            // A message already buffered is taken in one step, straight into a buffer of its declared size.
            _slot.Exit();
            return new ValueTask<WebSocketMessage>(new WebSocketMessage(message, received.MessageType));
        }

        return ReceiveMessageSlowAsync(message, cancellationToken);
    }

    private async ValueTask<WebSocketMessage> ReceiveMessageWhenSlotFreeAsync(CancellationToken cancellationToken)
    {
        if (!await _slot.WaitAsync(cancellationToken).ConfigureAwait(false))
        {
            return new WebSocketMessage(ReceiveAfterEnd());
        }

        return await ReceiveMessageSlowAsync(_messages.Rent(), cancellationToken).ConfigureAwait(false);
    }

#if NET6_0_OR_GREATER
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
#endif
    private async ValueTask<WebSocketMessage> ReceiveMessageSlowAsync(MessageBuffer message, CancellationToken cancellationToken)
    {
        bool leased = false;
        try
        {
            ReceiveResult result = await ReceiveCoreAsync(new MessageReceiveBuffer(message), wholeMessage: true, cancellationToken).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return new WebSocketMessage(result);
            }

            leased = true;
            return new WebSocketMessage(message, result.MessageType);
        }
        finally
        {
            if (!leased)
            {
                message.Discard();
            }

            _slot.Exit();
        }
    }

    /// <summary>
    /// Runs the protocol over what is buffered while nothing needs awaiting: true with the data event that ends this receive;
    /// false when more bytes must be read, or a close or failure must be acted on (the protocol reports those again).
    /// </summary>
    private bool TryReceiveBuffered<TBuffer>(ref TBuffer destination, bool wholeMessage, out ReceiveEvent received)
        where TBuffer : struct, IReceiveBuffer
    {
        while (_input.IsHolding)
        {
            received = _protocol.Receive(_input.Unconsumed, ref destination, out long consumed);
            _input.Advance(consumed);
            switch (received.Kind)
            {
                case ReceiveEventKind.MessageData when !wholeMessage || received.EndOfMessage:
                    return true;
                case ReceiveEventKind.MessageData or ReceiveEventKind.Pong:
                    continue;
                case ReceiveEventKind.Ping:
                    _output.StartOwedWriter();
                    continue;
                default:
                    return false;
            }
        }

        received = default;
        return false;
    }

#if NET6_0_OR_GREATER
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
#endif
    private async ValueTask<ReceiveResult> ReceiveCoreAsync<TBuffer>(TBuffer destination, bool wholeMessage, CancellationToken cancellationToken, bool yieldToWaitingReceive = false)
        where TBuffer : struct, IReceiveBuffer
    {
        if (_closeReceived.Task.IsCompleted || _protocol.IsEnded)
        {
            return ReceiveAfterEnd();
        }

        try
        {
            while (true)
            {
                // A drain stops between messages when a receive waits for the slot; what it read and did not process stays in
                // the input for that receive.
                if (yieldToWaitingReceive && !_protocol.IsInMessage && _slot.HasReceiveWaiting)
                {
                    return YieldedToWaitingReceive;
                }

                ReceiveEvent received = _protocol.Receive(_input.Unconsumed, ref destination, out long consumed);
                _input.Advance(consumed);
                switch (received.Kind)
                {
                    case ReceiveEventKind.MessageData when !wholeMessage || received.EndOfMessage:
                        return new ReceiveResult(received.Count, received.MessageType, received.EndOfMessage);
                    case ReceiveEventKind.Ping:
                        // Section 5.5.2: the pong is written beside the receive, which goes on.
                        _output.StartOwedWriter();
                        break;
                    case ReceiveEventKind.CloseReceived:
                        return await OnCloseReceivedAsync(cancellationToken).ConfigureAwait(false);
                    case ReceiveEventKind.Failed:
                        return await OnFailedAsync(null).ConfigureAwait(false);
                    case ReceiveEventKind.NeedMoreData when _input.IsCompleted:
                        // RFC 6455 section 7.1.5: a transport that ends without a close frame is an abnormal closure.
                        _protocol.InputEnded(_input.HasUnconsumed);
                        break;
                    case ReceiveEventKind.NeedMoreData:
                        // Waiting inside a frame (its header begun, or its payload owed) is timed; between frames it is not.
                        await _input.ReadAsync(_protocol.IsInsideFrame || _input.HasUnconsumed, _protocol, cancellationToken).ConfigureAwait(false);
                        break;
                }
            }
        }
        catch (Exception exception) when (exception is not WebSocketProtocolException && !(exception is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            if (_protocol.Failure == ProtocolError.None)
            {
                if (_protocol.IsEnded || !ConnectionOutput.IsTransportFailure(exception))
                {
                    // Aborted while the read waited: the read's cancellation, or the transport going away under it, which
                    // is reported as the same cancellation whichever transport it is.
                    _input.Complete();
                    throw exception as OperationCanceledException ?? new OperationCanceledException("The connection was aborted while a receive waited.", exception);
                }

                _protocol.Fail(ProtocolError.ConnectionLost);
            }

            // The connection failed (a timer, or the transport) and the read was cut short.
            return await OnFailedAsync(exception).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The peer's close arrived: unless the application answers it, the answer goes out within the close timeout (a peer that
    /// stopped reading may leave no room for it; the connection is then dropped), and a server ends the transport.
    /// </summary>
    private async ValueTask<ReceiveResult> OnCloseReceivedAsync(CancellationToken cancellationToken)
    {
        ReceiveResult close = ReceiveResult.PeerClose(_protocol.PeerCloseStatus!.Value, _protocol.PeerCloseReason);
        if (_slot.IsDraining)
        {
            // Read by CloseAsync for nobody: the application's next receive gets it. Set before the close is announced, so
            // that a receive which sees the connection ended sees this too.
            Volatile.Write(ref _closeUndelivered, 1);
        }

        if (!_protocol.AnswersCloseFrames && !_protocol.CloseSent)
        {
            _closeReceived.TrySetResult(true);
            return close;
        }

        bool answered = await _output.WriteOwedWithinAsync(_options.CloseTimeout, cancellationToken).ConfigureAwait(false);
        _closeReceived.TrySetResult(true);
        if (!answered)
        {
            _connection.Abort();
        }
        else if (_protocol.Role == WebSocketRole.Server)
        {
            // Section 7.1.1: the server closes the TCP connection first.
            await _connection.CloseTransportAsync(cancellationToken).ConfigureAwait(false);
        }

        return close;
    }

    /// <summary>
    /// The connection failed: the close its failure owes goes out (within the close timeout), the transport is dropped, and
    /// the receive ends: as a close for a lost connection, else with the peer's broken rule.
    /// </summary>
    private async ValueTask<ReceiveResult> OnFailedAsync(Exception? cause)
    {
        await _connection.SendOwedCloseThenAbortAsync().ConfigureAwait(false);
        _input.Complete();
        ProtocolError failure = _protocol.Failure;
        if (ReceiveResult.IsAbnormalClosure(failure))
        {
            return ReceiveResult.AbnormalClosure(failure);
        }

        throw cause is null ? new WebSocketProtocolException(failure) : new WebSocketProtocolException(failure, cause);
    }

    /// <summary>
    /// What a receive gets once the connection has ended: a lost connection's close, or the peer's broken rule; else the
    /// peer's close, once, if CloseAsync read it for an application that was not receiving; else why no message can come.
    /// Touches nothing the slot guards.
    /// </summary>
    private ReceiveResult ReceiveAfterEnd()
    {
        ProtocolError failure = _protocol.Failure;
        if (failure != ProtocolError.None)
        {
            if (ReceiveResult.IsAbnormalClosure(failure))
            {
                return ReceiveResult.AbnormalClosure(failure);
            }

            ThrowHelper.ThrowProtocolError(failure);
        }

        if (_protocol.PeerCloseStatus is { } status && Interlocked.Exchange(ref _closeUndelivered, 0) != 0)
        {
            return ReceiveResult.PeerClose(status, _protocol.PeerCloseReason);
        }

        if (_connection.IsDisposed)
        {
            throw new ObjectDisposedException(nameof(WebSocketConnection));
        }

        if (_protocol.PeerCloseStatus is null)
        {
            // Aborted (or closed at the close timeout without the peer's answer): as a receive waiting at the time ended.
            throw new OperationCanceledException("The connection was aborted.");
        }

        throw new InvalidOperationException("The peer's close frame was already received; no more messages follow.");
    }

    /// <summary>
    /// Holding the receive slot for an application that is not receiving, reads and discards messages until the peer's
    /// close or the end of the connection (true). A receive called meanwhile asks for the slot: it is handed over at the
    /// next message boundary (false), so that the messages after it reach the application.
    /// </summary>
    public async Task<bool> DrainUntilCloseAsync(CancellationToken cancellationToken)
    {
        // A message the application was streaming (ReceiveAsync) when this began loses its rest here: its next receive must
        // not take the following message for the rest of that one, so it is never handed the slot and gets the close.
        bool mayHandOver = !_protocol.IsInMessage;
        byte[] scratch = _options.BufferPool.Rent(4096);
        try
        {
            while (true)
            {
                // Only between messages: a piece of one comes back here too, and the rest of it is not the receive's.
                if (mayHandOver && !_protocol.IsInMessage && _slot.TryPassToWaitingReceive())
                {
                    return false;
                }

                ReceiveResult result = await ReceiveCoreAsync(new MemoryReceiveBuffer(scratch), wholeMessage: false, cancellationToken, yieldToWaitingReceive: mayHandOver).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return true;
                }

                // A piece of a message read and discarded, or a stop between messages for a waiting receive (passed the slot
                // above, unless it gave up meanwhile).
            }
        }
        finally
        {
            _options.BufferPool.Return(scratch);
        }
    }
}
