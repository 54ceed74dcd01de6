namespace WebSocketProtocol;

/// <summary>
/// Why a client could not open a WebSocket connection: one value for each way it fails, from name resolution to the
/// server's answer (RFC 6455 section 4.1). <see cref="WebSocketConnectException.Error"/> carries it.
/// </summary>
public enum WebSocketConnectError
{
    /// <summary>The TCP connection failed for a reason no other value names (a host or network unreachable, a reset).</summary>
    ConnectionFailed = 0,

    /// <summary>The host name did not resolve to an address; a name under <c>.invalid</c> never does (RFC 6761 section 6.4).</summary>
    NameResolutionFailed,

    /// <summary>Nothing listens on the port: the host refused the TCP connection.</summary>
    ConnectionRefused,

    /// <summary>The server's certificate was not trusted for a <c>wss://</c> URI: the platform's validation or the application's callback rejected it.</summary>
    TlsCertificateRejected,

    /// <summary>The TLS handshake failed for another reason: no common protocol version or cipher, or a server that does not speak TLS.</summary>
    TlsHandshakeFailed,

    /// <summary>The connect (name resolution, TCP, TLS) or the opening handshake took longer than its timeout.</summary>
    Timeout,

    /// <summary>The server closed or reset the connection before its handshake response was complete.</summary>
    ConnectionClosed,

    /// <summary>The server answered with a status other than 101 (RFC 6455 section 4.1): <see cref="WebSocketConnectException.StatusCode"/> says which.</summary>
    HandshakeRefused,

    /// <summary>The response is not valid HTTP/1.1 (RFC 9112): its status line or a header field is malformed, or its head is over the limits.</summary>
    MalformedResponse,

    /// <summary>The 101 response's Upgrade header does not list <c>websocket</c> (RFC 6455 section 4.1, the client's check 2).</summary>
    MissingUpgrade,

    /// <summary>The 101 response's Connection header does not list <c>Upgrade</c> (RFC 6455 section 4.1, the client's check 3).</summary>
    MissingConnectionUpgrade,

    /// <summary>Sec-WebSocket-Accept is missing, repeated or not the value for the key sent (RFC 6455 section 4.1, the client's check 4).</summary>
    InvalidAccept,

    /// <summary>
    /// Sec-WebSocket-Extensions agrees to an extension the client did not offer, agrees to one twice or with parameters that
    /// do not answer the offer, or is malformed (RFC 6455 sections 4.1, the client's check 5, and 9.1).
    /// </summary>
    InvalidExtensions,

    /// <summary>Sec-WebSocket-Protocol names a subprotocol the client did not offer, or more than one (RFC 6455 section 4.1, the client's check 6).</summary>
    InvalidSubProtocol,
}
