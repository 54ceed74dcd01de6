namespace WebSocketProtocol.Framing;

/// <summary>The 4-bit frame opcode of RFC 6455 section 5.2.</summary>
public enum Opcode : byte
{
    /// <summary>A continuation of a fragmented message.</summary>
    Continuation = 0x0,

    /// <summary>A text data frame: the message is UTF-8.</summary>
    Text = 0x1,

    /// <summary>A binary data frame.</summary>
    Binary = 0x2,

    /// <summary>A close control frame (RFC 6455 section 5.5.1).</summary>
    Close = 0x8,

    /// <summary>A ping control frame (RFC 6455 section 5.5.2).</summary>
    Ping = 0x9,

    /// <summary>A pong control frame (RFC 6455 section 5.5.3).</summary>
    Pong = 0xA,
}
