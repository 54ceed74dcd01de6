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

    /// <summary>A continuation frame arrived with no message in progress (RFC 6455 section 5.4).</summary>
    UnexpectedContinuation,

    /// <summary>A new text or binary frame arrived while a fragmented message was in progress (RFC 6455 section 5.4).</summary>
    ExpectedContinuation,

    /// <summary>A text message or close reason is not valid UTF-8 (RFC 6455 section 8.1).</summary>
    InvalidUtf8,

    /// <summary>A message is longer than the configured maximum.</summary>
    MessageTooLarge,

    /// <summary>A close frame carries one byte, or a code that may not appear on the wire (RFC 6455 sections 5.5.1 and 7.4).</summary>
    InvalidCloseFrame,

    /// <summary>No pong answered a keepalive ping in time: the peer is gone.</summary>
    KeepAliveTimeout,

    /// <summary>The transport failed or closed without a closing handshake.</summary>
    ConnectionLost,

    /// <summary>Nothing arrived for longer than the idle timeout; the endpoint closes as going away.</summary>
    IdleTimeout,

    /// <summary>A compressed message is not valid DEFLATE data, or does not end where a message must (RFC 7692 section 7.2.2).</summary>
    InvalidCompressedData,

    /// <summary>A frame the peer began did not arrive whole within the frame timeout: the peer stalled or trickled mid-frame.</summary>
    FrameTimeout,
}
