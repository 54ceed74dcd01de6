using System.Net.WebSockets;
using System;
using System.Threading;
using NetCloseStatus = System.Net.WebSockets.WebSocketCloseStatus;
using NetWebSocket = System.Net.WebSockets.WebSocket;
using NetWebSocketError = System.Net.WebSockets.WebSocketError;
using NetWebSocketException = System.Net.WebSockets.WebSocketException;

namespace WebSocketProtocol.Connection;

/// <summary>
/// A <see cref="WebSocketConnection"/> seen as a <see cref="System.Net.WebSockets.WebSocket"/>, so code written for
/// .NET's WebSockets (ASP.NET Core handlers, <c>ClientWebSocket</c> consumers) runs over this library unchanged.
/// </summary>
/// <remarks>
/// <para>It behaves as the WebSocket that <c>WebSocket.CreateFromStream</c>
/// returns (ManagedWebSocket): the same states in the same order, partial receives with <c>EndOfMessage</c>, sends with
/// <c>endOfMessage: false</c> as fragments of one message, the peer's close left for the application to answer with
/// <see cref="CloseAsync"/> or <see cref="CloseOutputAsync"/>, <see cref="System.Net.WebSockets.WebSocketException"/> with
/// <see cref="System.Net.WebSockets.WebSocketError.InvalidState"/> for a call the state forbids, a cancelled receive or
/// send aborting the connection with <see cref="OperationCanceledException"/>, <see cref="System.Net.WebSockets.WebSocketState.Aborted"/>
/// after <see cref="Abort"/> or a failure, and <see cref="System.Net.WebSockets.WebSocketState.Closed"/> after
/// <see cref="Dispose"/>. The same holds on every target; the <see cref="Memory{T}"/> overloads exist where
/// <see cref="NetWebSocket"/> has them (.NET, not .NET Standard 2.0).</para>
/// <para>Where it deliberately differs, it is stricter about RFC 6455 or applies the connection's options:</para>
/// <list type="bullet">
/// <item>Text must be valid UTF-8 (section 8.1): a send of invalid text throws <see cref="ArgumentException"/> and
/// sends nothing; a refused part of a fragmented message leaves the message open, to be continued.</item>
/// <item>Close codes section 7.4 keeps off the wire (1004, 1016-2999, 5000 and up, besides 1006 and 1015) throw
/// <see cref="ArgumentException"/>; <see cref="System.Net.WebSockets.WebSocketCloseStatus.Empty"/> sends a close frame
/// without a body, where ManagedWebSocket puts 1005 on the wire.</item>
/// <item>The connection's limits hold: a message over <see cref="WebSocketConnectionOptions.MaxMessageSize"/> fails the
/// receive with <see cref="System.Net.WebSockets.WebSocketError.Faulted"/> after closing with 1009, even when it is read
/// in pieces; a keepalive or idle timeout leaves the socket <see cref="System.Net.WebSockets.WebSocketState.Aborted"/>;
/// a close that gets no answer within <see cref="WebSocketConnectionOptions.CloseTimeout"/> ends
/// <see cref="CloseAsync"/> with <see cref="System.Net.WebSockets.WebSocketError.ConnectionClosedPrematurely"/> rather
/// than waiting for ever.</item>
/// <item>Whole-message sends are safe from several threads at once (ManagedWebSocket allows one send at a time); receives
/// queue, one at a time, as ManagedWebSocket's do.</item>
/// </list>
/// <para>The adapter takes the connection over: use it only through the adapter from then on. Disposing the adapter
/// disposes the connection and so closes its transport.</para>
/// </remarks>
public sealed partial class WebSocketConnectionAdapter : NetWebSocket
{
    private static readonly WebSocketState[] s_validReceiveStates = { WebSocketState.Open, WebSocketState.CloseSent };
    private static readonly WebSocketState[] s_validSendStates = { WebSocketState.Open, WebSocketState.CloseReceived };
    private static readonly WebSocketState[] s_validCloseOutputStates = { WebSocketState.Open, WebSocketState.CloseReceived };
    private static readonly WebSocketState[] s_validCloseStates = { WebSocketState.Open, WebSocketState.CloseReceived, WebSocketState.CloseSent };

    private readonly WebSocketConnection _connection;

    // Guards the state and the two close flags, which move together (either close frame may come first).
    private readonly object _stateLock = new();
    private WebSocketState _state = WebSocketState.Open;
    private bool _closeSent;
    private bool _closeReceived;
    private bool _disposed;
    private NetCloseStatus? _closeStatus;
    private string? _closeStatusDescription;

    // Receives, sends and closes in flight: the connection's pooled memory is released only once none is.
    private int _operations;
    private int _connectionReleased;

    /// <summary>Exposes <paramref name="connection"/>, whose opening handshake is done, as a <see cref="NetWebSocket"/>.</summary>
    /// <param name="connection">An open connection that nothing has received from or sent on yet; the adapter owns it from now on.</param>
    /// <exception cref="ArgumentNullException"><paramref name="connection"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="connection"/> is no longer open.</exception>
    public WebSocketConnectionAdapter(WebSocketConnection connection)
    {
        _connection = connection ?? throw new ArgumentNullException(nameof(connection));
        if (connection.State != WebSocketState.Open)
        {
            throw new ArgumentException("The connection must be open.", nameof(connection));
        }

        // The System.Net.WebSockets contract: the peer's close is reported, and the application answers it.
        connection.LeaveCloseAnswerToApplication();
    }

    /// <summary>The status of the peer's close frame, once it arrived; <see cref="NetCloseStatus.NormalClosure"/> when it carried none, as with ManagedWebSocket.</summary>
    public override NetCloseStatus? CloseStatus => _closeStatus;

    /// <summary>The reason in the peer's close frame, once it arrived (empty when it gave none).</summary>
    public override string? CloseStatusDescription => _closeStatusDescription;

    /// <summary>The subprotocol the opening handshake agreed, or <see langword="null"/>.</summary>
    public override string? SubProtocol => _connection.SubProtocol;

    /// <summary>Where the socket is: Open, CloseSent, CloseReceived, Closed, or Aborted after an abort or a failure.</summary>
    public override WebSocketState State
    {
        get
        {
            WebSocketState state = _state;

            // A failure the connection met on its own (a keepalive or idle timeout) shows before any call reports it.
            return state < WebSocketState.Closed && _connection.HasFailed ? WebSocketState.Aborted : state;
        }
    }

    /// <summary>Drops the connection at once, without a closing handshake: the state becomes Aborted, and pending calls end.</summary>
    public override void Abort()
    {
        lock (_stateLock)
        {
            if (_state < WebSocketState.Closed)
            {
                _state = WebSocketState.Aborted;
            }
        }

        Dispose();
    }

    /// <summary>Drops the connection if still open (the state becomes Closed unless Aborted) and releases it.</summary>
    public override void Dispose()
    {
        lock (_stateLock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (_state < WebSocketState.Aborted)
            {
                _state = WebSocketState.Closed;
            }
        }

        // Abort only cancels a pending read, so it is safe while a receive runs; the rest waits for the calls in flight.
        _connection.Abort();
        if (Volatile.Read(ref _operations) == 0)
        {
            ReleaseConnection();
        }
    }

    private void EnterOperation() => Interlocked.Increment(ref _operations);

    private void ExitOperation()
    {
        if (Interlocked.Decrement(ref _operations) == 0 && Volatile.Read(ref _disposed))
        {
            ReleaseConnection();
        }
    }

    private void ReleaseConnection()
    {
        if (Interlocked.Exchange(ref _connectionReleased, 1) == 0)
        {
            _connection.Dispose();
        }
    }

    /// <summary>Marks the socket Aborted unless it already ended.</summary>
    private void OnAborted()
    {
        lock (_stateLock)
        {
            if (_state < WebSocketState.Closed)
            {
                _state = WebSocketState.Aborted;
            }
        }
    }

    /// <summary>Records that this side's close frame went out; returns whether the peer's had already come, ending the handshake.</summary>
    private bool OnCloseSent()
    {
        lock (_stateLock)
        {
            _closeSent = true;
            if (_closeReceived && _state < WebSocketState.Closed)
            {
                _state = WebSocketState.Closed;
            }
            else if (_state < WebSocketState.CloseSent)
            {
                _state = WebSocketState.CloseSent;
            }

            return _closeReceived;
        }
    }

    /// <summary>Records the peer's close frame; returns whether this side's had already gone out, ending the handshake.</summary>
    private bool OnCloseReceived(CloseStatus? status, string? reason)
    {
        lock (_stateLock)
        {
            _closeStatusDescription = reason ?? string.Empty;
            // A close without a status (1005, RFC 6455 section 7.1.5) reads as NormalClosure, as ManagedWebSocket reports it.
            _closeStatus = status is null or WebSocketProtocol.CloseStatus.NoStatusReceived ? NetCloseStatus.NormalClosure : (NetCloseStatus)(int)status.Value;
            _closeReceived = true;
            if (_closeSent && _state < WebSocketState.Closed)
            {
                _state = WebSocketState.Closed;
            }
            else if (_state < WebSocketState.CloseReceived)
            {
                _state = WebSocketState.CloseReceived;
            }

            return _closeSent;
        }
    }

    /// <summary>
    /// Throws as ManagedWebSocket does for a call the state forbids: <see cref="NetWebSocketException"/> with
    /// <see cref="NetWebSocketError.InvalidState"/>, or <see cref="ObjectDisposedException"/> in an allowed state after
    /// <see cref="Dispose"/>.
    /// </summary>
    private void ThrowIfInvalidState(WebSocketState[] validStates)
    {
        WebSocketState state = State;
        if (Array.IndexOf(validStates, state) >= 0)
        {
            if (Volatile.Read(ref _disposed))
            {
                throw new ObjectDisposedException(nameof(NetWebSocket));
            }

            return;
        }

        throw new NetWebSocketException(
            NetWebSocketError.InvalidState,
            $"The WebSocket is in the state '{state}'; this call needs one of: {string.Join(", ", validStates)}.");
    }

    private static void ValidateSendType(WebSocketMessageType messageType)
    {
        if (messageType != WebSocketMessageType.Text && messageType != WebSocketMessageType.Binary)
        {
            throw new ArgumentException("Send Text or Binary; close with CloseAsync or CloseOutputAsync.", nameof(messageType));
        }
    }

    private static void ValidateArraySegment(ArraySegment<byte> segment, string parameterName)
    {
        if (segment.Array is null)
        {
            throw new ArgumentNullException(parameterName + ".Array");
        }
    }

    /// <summary>
    /// ManagedWebSocket's checks (no reason without a status; not 0-999, 1006 or 1015; at most 123 bytes of reason), then
    /// RFC 6455 section 7.4's: only codes that may appear on the wire. Returns the status to send, null for an empty body.
    /// </summary>
    private static CloseStatus? ValidateClose(NetCloseStatus closeStatus, string? statusDescription)
    {
        if (closeStatus == NetCloseStatus.Empty)
        {
            if (!string.IsNullOrEmpty(statusDescription))
            {
                throw new ArgumentException("A close without a status cannot carry a reason.", nameof(statusDescription));
            }

            return null;
        }

        int code = (int)closeStatus;
        if (code < 0 || code > ushort.MaxValue || !CloseStatusRules.IsSendable((ushort)code))
        {
            throw new ArgumentException(
                $"The close status {code} may not be sent: RFC 6455 section 7.4 allows 1000-1003, 1007-1014 and 3000-4999 on the wire.",
                nameof(closeStatus));
        }

        WebSocketConnection.ValidateClose((CloseStatus)code, statusDescription);
        return (CloseStatus)code;
    }

    /// <summary>The <see cref="NetWebSocketError"/> a protocol failure surfaces as, as ManagedWebSocket reports it.</summary>
    private static NetWebSocketException ToWebSocketException(WebSocketProtocolException exception)
    {
        NetWebSocketError error = exception.Error is ProtocolError.ConnectionLost or ProtocolError.TruncatedFrame
            ? NetWebSocketError.ConnectionClosedPrematurely
            : NetWebSocketError.Faulted;
        return new NetWebSocketException(error, exception.Message, exception);
    }

    /// <summary>
    /// What a failed call throws: <see cref="OperationCanceledException"/> when it was cancelled or the socket was
    /// aborted under it, else a <see cref="NetWebSocketException"/>. A cancellation aborts the socket; so does any other
    /// failure of a receive or a close (<paramref name="abortOnFailure"/>), while a failed send leaves the state as it is.
    /// </summary>
    private Exception TranslateFailure(Exception exception, bool abortOnFailure, CancellationToken cancellationToken)
    {
        if (exception is ArgumentException or ObjectDisposedException)
        {
            return exception;
        }

        if (cancellationToken.IsCancellationRequested)
        {
            // A frame may be half read or half written: the connection cannot go on.
            Abort();
            return exception as OperationCanceledException ?? new OperationCanceledException("The operation was canceled.", exception, cancellationToken);
        }

        if (_state == WebSocketState.Aborted)
        {
            return new OperationCanceledException("The WebSocket was aborted.", exception);
        }

        if (abortOnFailure)
        {
            OnAborted();
        }

        return exception switch
        {
            NetWebSocketException webSocket => webSocket,
            WebSocketProtocolException protocol => ToWebSocketException(protocol),
            InvalidOperationException when _connection.HasFailed => new NetWebSocketException(NetWebSocketError.Faulted, exception.Message, exception),
            _ => new NetWebSocketException(NetWebSocketError.ConnectionClosedPrematurely, exception),
        };
    }
}
