using System.Net.WebSockets;

namespace WebSocketProtocol.Connection;

/// <summary>What one streaming receive produced: some bytes of a message, or the end of the connection (a close).</summary>
public readonly struct ReceiveResult
{
    internal ReceiveResult(int count, WebSocketMessageType messageType, bool endOfMessage, CloseStatus? closeStatus = null, string? closeReason = null, ProtocolError abnormalClosureReason = ProtocolError.None)
    {
        Count = count;
        MessageType = messageType;
        EndOfMessage = endOfMessage;
        CloseStatus = closeStatus;
        CloseReason = closeReason;
        AbnormalClosureReason = abnormalClosureReason;
    }

    /// <summary>How many bytes were written into the buffer.</summary>
    public int Count { get; }

    /// <summary>Text, binary, or close.</summary>
    public WebSocketMessageType MessageType { get; }

    /// <summary>Whether these bytes end the message.</summary>
    public bool EndOfMessage { get; }

    /// <summary>
    /// For a close: the peer's status, <see cref="WebSocketProtocol.CloseStatus.NoStatusReceived"/> when it gave none, or
    /// <see cref="WebSocketProtocol.CloseStatus.AbnormalClosure"/> when the connection was lost without a close frame.
    /// </summary>
    public CloseStatus? CloseStatus { get; }

    /// <summary>For a close: the peer's reason (possibly empty).</summary>
    public string? CloseReason { get; }

    /// <summary>For an abnormal closure: why the connection was lost (see <see cref="WebSocketMessage.AbnormalClosureReason"/>); else <see cref="ProtocolError.None"/>.</summary>
    public ProtocolError AbnormalClosureReason { get; }

    /// <summary>The peer's close frame.</summary>
    internal static ReceiveResult PeerClose(CloseStatus status, string? reason) => new(0, WebSocketMessageType.Close, true, status, reason);

    /// <summary>The end of a connection lost without a close frame (RFC 6455 section 7.1.5): 1006, and why.</summary>
    internal static ReceiveResult AbnormalClosure(ProtocolError reason) =>
        new(0, WebSocketMessageType.Close, true, WebSocketProtocol.CloseStatus.AbnormalClosure, string.Empty, reason);

    /// <summary>
    /// Whether a connection failed for <paramref name="error"/> was lost rather than broken by the peer: the transport ended,
    /// or a timer of this side's found the peer gone. Those end a receive as a close; a broken rule throws.
    /// </summary>
    internal static bool IsAbnormalClosure(ProtocolError error) => error is ProtocolError.ConnectionLost or ProtocolError.TruncatedFrame
        or ProtocolError.KeepAliveTimeout or ProtocolError.FrameTimeout or ProtocolError.IdleTimeout;
}
