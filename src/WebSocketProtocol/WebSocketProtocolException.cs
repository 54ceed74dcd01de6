using System;

namespace WebSocketProtocol;

/// <summary>The peer broke a rule of the protocol; carries the rule and the close code to answer with.</summary>
public sealed class WebSocketProtocolException : Exception
{
    /// <summary>Creates the exception for <paramref name="error"/> with a message that names the rule.</summary>
    public WebSocketProtocolException(ProtocolError error)
        : this(error, DescribeError(error))
    {
    }

    /// <summary>Creates the exception for <paramref name="error"/>, caused by <paramref name="innerException"/> (a transport failure).</summary>
    public WebSocketProtocolException(ProtocolError error, Exception innerException)
        : base(DescribeError(error), innerException)
    {
        Error = error;
        CloseStatus = error.ToCloseStatus();
    }

    /// <summary>Creates the exception for <paramref name="error"/> with a custom message.</summary>
    public WebSocketProtocolException(ProtocolError error, string message)
        : base(message)
    {
        Error = error;
        CloseStatus = error.ToCloseStatus();
    }

    /// <summary>The rule that was broken.</summary>
    public ProtocolError Error { get; }

    /// <summary>The close status to send to the peer (or, for 1006, to report locally).</summary>
    public CloseStatus CloseStatus { get; }

    private static string DescribeError(ProtocolError error) => error switch
    {
        ProtocolError.ReservedOpcode => "The frame uses a reserved opcode (RFC 6455 section 5.2).",
        ProtocolError.ReservedBitsSet => "The frame sets a reserved bit that no negotiated extension defines (RFC 6455 section 5.2).",
        ProtocolError.ControlFrameTooLong => "A control frame carries more than 125 bytes (RFC 6455 section 5.5).",
        ProtocolError.FragmentedControlFrame => "A control frame is fragmented (RFC 6455 section 5.5).",
        ProtocolError.PayloadLengthTopBitSet => "The 64-bit payload length has its most significant bit set (RFC 6455 section 5.2).",
        ProtocolError.UnmaskedFrameFromClient => "A client sent an unmasked frame (RFC 6455 section 5.1).",
        ProtocolError.MaskedFrameFromServer => "A server sent a masked frame (RFC 6455 section 5.1).",
        ProtocolError.FrameTooLarge => "The frame's payload is longer than the configured maximum.",
        ProtocolError.TruncatedFrame => "The stream ended in the middle of a frame.",
        ProtocolError.UnexpectedContinuation => "A continuation frame arrived with no message in progress (RFC 6455 section 5.4).",
        ProtocolError.ExpectedContinuation => "A new message started before the fragmented one ended (RFC 6455 section 5.4).",
        ProtocolError.InvalidUtf8 => "Text is not valid UTF-8 (RFC 6455 section 8.1).",
        ProtocolError.MessageTooLarge => "The message is longer than the configured maximum.",
        ProtocolError.InvalidCloseFrame => "The close frame's body or code is not allowed (RFC 6455 sections 5.5.1 and 7.4).",
        ProtocolError.KeepAliveTimeout => "No pong answered the keepalive ping in time.",
        ProtocolError.ConnectionLost => "The connection was lost without a closing handshake.",
        ProtocolError.IdleTimeout => "Nothing was received within the idle timeout.",
        ProtocolError.FrameTimeout => "A frame the peer began was not finished within the frame timeout.",
        _ => "The peer broke the WebSocket protocol.",
    };
}
