using System.Net.WebSockets;
using System;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using NetWebSocket = System.Net.WebSockets.WebSocket;
using NetWebSocketReceiveResult = System.Net.WebSockets.WebSocketReceiveResult;

namespace WebSocketProtocol.Connection;

/// <content>Receiving: pieces of messages as they arrive, and the peer's close.</content>
public sealed partial class WebSocketConnectionAdapter
{
    // Receives queue one behind another, as ManagedWebSocket's do; the connection itself refuses a second at once.
    private readonly SemaphoreSlim _receiveLock = new(1, 1);

    // A zero-byte receive learns that a message has begun by taking its first byte, which the next receive hands out first.
    private readonly byte[] _heldByte = new byte[1];
    private bool _holdsByte;
    private WebSocketMessageType _heldType;
    private bool _heldEndsMessage;

    /// <summary>
    /// Receives the next bytes of a message into <paramref name="buffer"/> (as many as have arrived, up to its size), or
    /// the peer's close, which leaves the state CloseReceived for the application to answer. A zero-byte buffer waits for
    /// a message to begin without taking any of it.
    /// </summary>
    /// <param name="buffer">Where the bytes go.</param>
    /// <param name="cancellationToken">Cancelling aborts the socket, as ManagedWebSocket does, since a frame may be half read.</param>
    public override Task<NetWebSocketReceiveResult> ReceiveAsync(ArraySegment<byte> buffer, CancellationToken cancellationToken)
    {
        ValidateArraySegment(buffer, nameof(buffer));
        try
        {
            ThrowIfInvalidState(s_validReceiveStates);
        }
        catch (Exception exception)
        {
            return Task.FromException<NetWebSocketReceiveResult>(exception);
        }

        return ReceiveSegmentAsync(buffer, cancellationToken);
    }

#if NET
    /// <summary>
    /// Receives the next bytes of a message into <paramref name="buffer"/>, or the peer's close; see
    /// <see cref="ReceiveAsync(ArraySegment{byte}, CancellationToken)"/>.
    /// </summary>
    /// <param name="buffer">Where the bytes go.</param>
    /// <param name="cancellationToken">Cancelling aborts the socket, as ManagedWebSocket does.</param>
    public override ValueTask<System.Net.WebSockets.ValueWebSocketReceiveResult> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        try
        {
            ThrowIfInvalidState(s_validReceiveStates);
        }
        catch (Exception exception)
        {
            return ValueTask.FromException<System.Net.WebSockets.ValueWebSocketReceiveResult>(exception);
        }

        ValueTask<Received> receive = ReceiveCoreAsync(buffer, cancellationToken);
        if (receive.IsCompletedSuccessfully)
        {
            Received received = receive.Result;
            return new ValueTask<System.Net.WebSockets.ValueWebSocketReceiveResult>(new System.Net.WebSockets.ValueWebSocketReceiveResult(received.Count, received.MessageType, received.EndOfMessage));
        }

        return AwaitValueResultAsync(receive);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<System.Net.WebSockets.ValueWebSocketReceiveResult> AwaitValueResultAsync(ValueTask<Received> receive)
    {
        Received received = await receive.ConfigureAwait(false);
        return new System.Net.WebSockets.ValueWebSocketReceiveResult(received.Count, received.MessageType, received.EndOfMessage);
    }
#endif

    private async Task<NetWebSocketReceiveResult> ReceiveSegmentAsync(ArraySegment<byte> buffer, CancellationToken cancellationToken)
    {
        Received received = await ReceiveCoreAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
        return new NetWebSocketReceiveResult(received.Count, received.MessageType, received.EndOfMessage, _closeStatus, _closeStatusDescription);
    }

#if NET6_0_OR_GREATER
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
#endif
    private async ValueTask<Received> ReceiveCoreAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        EnterOperation();

        // As ManagedWebSocket: a cancelled receive aborts the socket (a token cancelled already aborts it at once).
        CancellationTokenRegistration registration = cancellationToken.Register(static state => ((WebSocketConnectionAdapter)state!).Abort(), this);
        try
        {
            await _receiveLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (Volatile.Read(ref _disposed))
                {
                    throw new ObjectDisposedException(nameof(NetWebSocket));
                }

                return await ReceiveNextAsync(buffer, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _receiveLock.Release();
            }
        }
        catch (Exception exception)
        {
            Exception translated = TranslateFailure(exception, abortOnFailure: true, cancellationToken);
            if (ReferenceEquals(translated, exception))
            {
                throw;
            }

            throw translated;
        }
        finally
        {
            registration.Dispose();
            ExitOperation();
        }
    }

    private async ValueTask<Received> ReceiveNextAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (_holdsByte)
        {
            if (buffer.IsEmpty)
            {
                return new Received(0, _heldType, false);
            }

            buffer.Span[0] = _heldByte[0];
            _holdsByte = false;
            return new Received(1, _heldType, _heldEndsMessage);
        }

        ReceiveResult result = await _connection.ReceiveAsync(buffer.IsEmpty ? _heldByte.AsMemory() : buffer, cancellationToken).ConfigureAwait(false);
        if (result.MessageType == WebSocketMessageType.Close)
        {
            if (result.AbnormalClosureReason != ProtocolError.None)
            {
                // Lost without a close frame: ManagedWebSocket fails the receive (ConnectionClosedPrematurely, or Faulted
                // for a timer), and so does the adapter, through the same translation as any failure.
                throw new WebSocketProtocolException(result.AbnormalClosureReason);
            }

            await OnPeerCloseAsync(result, cancellationToken).ConfigureAwait(false);
            return new Received(0, WebSocketMessageType.Close, true);
        }

        WebSocketMessageType type = result.MessageType == WebSocketMessageType.Text ? WebSocketMessageType.Text : WebSocketMessageType.Binary;
        if (buffer.IsEmpty && result.Count == 1)
        {
            _holdsByte = true;
            _heldType = type;
            _heldEndsMessage = result.EndOfMessage;
            return new Received(0, type, false);
        }

        return new Received(result.Count, type, result.EndOfMessage);
    }

    private async ValueTask OnPeerCloseAsync(ReceiveResult close, CancellationToken cancellationToken)
    {
        if (OnCloseReceived(close.CloseStatus, close.CloseReason) && Volatile.Read(ref _closing) == 0)
        {
            // Both close frames are exchanged: end the transport now (a client lets the server close TCP first, RFC 6455
            // section 7.1.1), unless a CloseAsync in progress is doing so.
            await _connection.CloseCoreAsync(null, null, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>What one receive produced, before it is shaped as the overload's result type.</summary>
    private readonly struct Received
    {
        public Received(int count, WebSocketMessageType messageType, bool endOfMessage)
        {
            Count = count;
            MessageType = messageType;
            EndOfMessage = endOfMessage;
        }

        public int Count { get; }

        public WebSocketMessageType MessageType { get; }

        public bool EndOfMessage { get; }
    }
}
