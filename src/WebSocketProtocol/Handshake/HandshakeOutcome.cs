namespace WebSocketProtocol.Handshake;

/// <summary>How a server handshake ended.</summary>
public enum HandshakeOutcome
{
    /// <summary>101 was written: the connection now speaks WebSocket.</summary>
    Accepted,

    /// <summary>An HTTP error response was written; the connection must be closed.</summary>
    Rejected,

    /// <summary>A plain HTTP request, not an upgrade: it is handed back for the application to answer.</summary>
    NotWebSocket,
}
