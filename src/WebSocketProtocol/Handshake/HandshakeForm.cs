namespace WebSocketProtocol.Handshake;

/// <summary>How the request asks for a WebSocket, which decides the rules it is checked against.</summary>
internal enum HandshakeForm
{
    /// <summary>HTTP/1.1 <c>GET</c> with <c>Upgrade: websocket</c>, answered with 101 (RFC 6455 section 4).</summary>
    Upgrade,

    /// <summary>
    /// HTTP/2 or HTTP/3 <c>CONNECT</c> with <c>:protocol websocket</c>, answered with 200 (RFC 8441 section 4,
    /// RFC 9220 section 3): no Upgrade, Connection, Key or Accept.
    /// </summary>
    ExtendedConnect,
}
