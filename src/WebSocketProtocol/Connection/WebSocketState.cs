namespace WebSocketProtocol.Connection;

/// <summary>Where a connection is in its life (RFC 6455 sections 4 and 7).</summary>
public enum WebSocketState
{
    /// <summary>Messages flow both ways.</summary>
    Open,

    /// <summary>This side sent a close frame and waits for the peer's.</summary>
    CloseSent,

    /// <summary>The peer sent a close frame; this side may still send before answering.</summary>
    CloseReceived,

    /// <summary>Both close frames were exchanged, or the connection failed; the transport is closed.</summary>
    Closed,
}
