namespace WebSocketProtocol;

/// <summary>One value per RFC rule a peer can break; <see cref="ProtocolErrorExtensions.ToCloseStatus"/> maps each to its close code.</summary>
public enum ProtocolError
{
    /// <summary>No error.</summary>
    None = 0,

    /// <summary>The opcode is one of the reserved values 0x3-0x7 or 0xB-0xF (RFC 6455 section 5.2).</summary>
    ReservedOpcode,

    /// <summary>A reserved bit is set that no negotiated extension defines (RFC 6455 section 5.2).</summary>
    ReservedBitsSet,

    /// <summary>A control frame carries more than 125 bytes of payload (RFC 6455 section 5.5).</summary>
    ControlFrameTooLong,

    /// <summary>A control frame has FIN clear (RFC 6455 section 5.5).</summary>
    FragmentedControlFrame,

    /// <summary>A 64-bit payload length has its most significant bit set (RFC 6455 section 5.2).</summary>
    PayloadLengthTopBitSet,

    /// <summary>A server received a frame without a mask (RFC 6455 section 5.1).</summary>
    UnmaskedFrameFromClient,

    /// <summary>A client received a masked frame (RFC 6455 section 5.1).</summary>
    MaskedFrameFromServer,

    /// <summary>A frame's declared payload is longer than the configured maximum.</summary>
    FrameTooLarge,

    /// <summary>The stream ended inside a frame; the connection closed abnormally.</summary>
    TruncatedFrame,
}
