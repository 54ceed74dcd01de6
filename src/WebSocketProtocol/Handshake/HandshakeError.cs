namespace WebSocketProtocol.Handshake;

/// <summary>
/// Why a server refused an opening handshake; <see cref="HandshakeErrorExtensions.ToStatusCode"/> gives the HTTP status it
/// answers with. A client's failures are <see cref="WebSocketConnectError"/>.
/// </summary>
public enum HandshakeError
{
    /// <summary>No error.</summary>
    None = 0,

    /// <summary>The request is not valid HTTP/1.1 (RFC 9112), or ended before its head was complete. 400.</summary>
    MalformedRequest,

    /// <summary>The request line is longer than the limit. 431.</summary>
    RequestLineTooLong,

    /// <summary>The request has more header fields than the limit. 431.</summary>
    TooManyHeaders,

    /// <summary>The request head is longer than the limit. 431.</summary>
    HeadTooLarge,

    /// <summary>A WebSocket upgrade must use GET (RFC 6455 section 4.1); an extended CONNECT over HTTP/2 or HTTP/3, CONNECT (RFC 8441 section 4). 405.</summary>
    MethodNotAllowed,

    /// <summary>A WebSocket upgrade needs HTTP/1.1 or later (RFC 6455 section 4.1). 400.</summary>
    HttpVersionTooOld,

    /// <summary>The Host header (<c>:authority</c> over HTTP/2 or HTTP/3) is missing or repeated (RFC 9112 section 3.2). 400.</summary>
    InvalidHost,

    /// <summary>The Upgrade header does not list <c>websocket</c> (RFC 6455 section 4.2.1), or an extended CONNECT's <c>:protocol</c> is not <c>websocket</c> (RFC 8441 section 4). 400.</summary>
    MissingUpgradeWebSocket,

    /// <summary>The Connection header does not list <c>Upgrade</c> (RFC 6455 section 4.2.1). 400.</summary>
    MissingConnectionUpgrade,

    /// <summary>Sec-WebSocket-Key is missing, repeated, or not 16 bytes in base64 (RFC 6455 section 4.2.1). 400.</summary>
    InvalidKey,

    /// <summary>Sec-WebSocket-Version is missing. 400.</summary>
    MissingVersion,

    /// <summary>Sec-WebSocket-Version is not 13 (RFC 6455 section 4.2.2). 426 with <c>Sec-WebSocket-Version: 13</c>.</summary>
    UnsupportedVersion,

    /// <summary>Sec-WebSocket-Extensions does not follow the grammar of RFC 6455 section 9.1. 400.</summary>
    InvalidExtensions,

    /// <summary>The Origin is not allowed by the server's policy (RFC 6455 section 10.2). 403.</summary>
    OriginNotAllowed,

    /// <summary>The application's request filter refused the request. 403.</summary>
    RejectedByApplication,

    /// <summary>The head did not arrive within the handshake timeout. 408.</summary>
    Timeout,
}
