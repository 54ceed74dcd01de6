namespace WebSocketProtocol;

/// <summary>Close status codes of RFC 6455 section 7.4.1 and the IANA registry.</summary>
/// <remarks>Any other value in 3000-4999 is valid on the wire too; cast it to this type.</remarks>
public enum CloseStatus : ushort
{
    /// <summary>1000: the purpose of the connection has been fulfilled.</summary>
    NormalClosure = 1000,

    /// <summary>1001: an endpoint is going away (server shutdown, page navigated away).</summary>
    GoingAway = 1001,

    /// <summary>1002: the peer broke the protocol.</summary>
    ProtocolError = 1002,

    /// <summary>1003: a data type the endpoint cannot accept.</summary>
    UnsupportedData = 1003,

    /// <summary>1005: no status code was present; never sent on the wire.</summary>
    NoStatusReceived = 1005,

    /// <summary>1006: the connection closed without a close frame; never sent on the wire.</summary>
    AbnormalClosure = 1006,

    /// <summary>1007: message data inconsistent with its type (such as invalid UTF-8 in a text message).</summary>
    InvalidPayloadData = 1007,

    /// <summary>1008: a message violates the endpoint's policy.</summary>
    PolicyViolation = 1008,

    /// <summary>1009: a frame or message is too big to process.</summary>
    MessageTooBig = 1009,

    /// <summary>1010: the client expected the server to negotiate an extension it did not.</summary>
    MandatoryExtension = 1010,

    /// <summary>1011: the server met an unexpected condition.</summary>
    InternalServerError = 1011,

    /// <summary>1012: the service is restarting.</summary>
    ServiceRestart = 1012,

    /// <summary>1013: try again later (temporary overload).</summary>
    TryAgainLater = 1013,

    /// <summary>1014: a gateway received an invalid response upstream.</summary>
    BadGateway = 1014,

    /// <summary>1015: the TLS handshake failed; never sent on the wire.</summary>
    TlsHandshakeFailure = 1015,
}
