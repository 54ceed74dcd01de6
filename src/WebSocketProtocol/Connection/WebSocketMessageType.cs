namespace WebSocketProtocol.Connection;

/// <summary>What a received message or fragment is.</summary>
public enum WebSocketMessageType
{
    /// <summary>UTF-8 text, already validated.</summary>
    Text,

    /// <summary>Binary data.</summary>
    Binary,

    /// <summary>The peer's close frame: the closing handshake has begun or ended; no more messages follow.</summary>
    Close,
}
