using System;

namespace WebSocketProtocol;

/// <summary>The one table that maps protocol errors to the close codes sent for them.</summary>
public static class ProtocolErrorExtensions
{
    /// <summary>The close status an endpoint sends when the peer commits <paramref name="error"/>.</summary>
    public static CloseStatus ToCloseStatus(this ProtocolError error) => error switch
    {
        ProtocolError.None => CloseStatus.NormalClosure,
        ProtocolError.FrameTooLarge or ProtocolError.MessageTooLarge => CloseStatus.MessageTooBig,
        ProtocolError.InvalidUtf8 => CloseStatus.InvalidPayloadData,
        // Timers that expire on a peer that stopped making progress: no byte broke a rule, the endpoint gives up (1011).
        ProtocolError.KeepAliveTimeout or ProtocolError.FrameTimeout => CloseStatus.InternalServerError,
        ProtocolError.ConnectionLost => CloseStatus.AbnormalClosure,
        ProtocolError.IdleTimeout => CloseStatus.GoingAway,
        // Nothing can be sent once the stream has ended; 1006 is reported locally only (RFC 6455 section 7.1.5).
        ProtocolError.TruncatedFrame => CloseStatus.AbnormalClosure,
        ProtocolError.ReservedOpcode
            or ProtocolError.ReservedBitsSet
            or ProtocolError.ControlFrameTooLong
            or ProtocolError.FragmentedControlFrame
            or ProtocolError.PayloadLengthTopBitSet
            or ProtocolError.UnmaskedFrameFromClient
            or ProtocolError.MaskedFrameFromServer
            or ProtocolError.UnexpectedContinuation
            or ProtocolError.ExpectedContinuation
            or ProtocolError.InvalidCloseFrame
            or ProtocolError.InvalidCompressedData => CloseStatus.ProtocolError,
        _ => throw new ArgumentOutOfRangeException(nameof(error), error, null),
    };
}
