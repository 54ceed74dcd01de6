namespace WebSocketProtocol.Framing;

/// <summary>The RFC 6455 frame-level rules, applied to a decoded header. Message-level rules (continuations) live a layer up.</summary>
public static class FrameHeaderValidator
{
    /// <summary>Returns the first rule <paramref name="header"/> breaks under <paramref name="options"/>, or <see cref="ProtocolError.None"/>.</summary>
    /// <param name="header">A header as decoded from the wire.</param>
    /// <param name="options">The reader's role, allowed reserved bits and size limit.</param>
    public static ProtocolError Validate(in FrameHeader header, FrameReaderOptions options)
    {
        // RFC 6455 section 5.2: an unknown opcode MUST fail the connection.
        if (!header.Opcode.IsDefined())
        {
            return ProtocolError.ReservedOpcode;
        }

        // Section 5.2: RSV bits MUST be 0 unless an extension defines them. Extensions claim theirs first (section 9).
        if ((header.ReservedBits & ~options.AllowedReservedBits) != 0)
        {
            return ProtocolError.ReservedBitsSet;
        }

        if (header.Opcode.IsControl())
        {
            // Section 5.5: control frames MUST have a payload of 125 bytes or less and MUST NOT be fragmented.
            if (header.PayloadLength > FrameHeader.MaxControlPayloadLength)
            {
                return ProtocolError.ControlFrameTooLong;
            }

            if (!header.IsFinal)
            {
                return ProtocolError.FragmentedControlFrame;
            }
        }

        // Section 5.1: a server MUST close on an unmasked frame; a client MUST close on a masked one.
        if (options.Role == WebSocketRole.Server)
        {
            if (!header.IsMasked)
            {
                return ProtocolError.UnmaskedFrameFromClient;
            }
        }
        else if (header.IsMasked)
        {
            return ProtocolError.MaskedFrameFromServer;
        }

        // Section 10.4: an endpoint protects itself with a size limit, and 1009 says so (section 7.4.1).
        if (header.PayloadLength > options.MaxFramePayloadLength)
        {
            return ProtocolError.FrameTooLarge;
        }

        return ProtocolError.None;
    }
}
