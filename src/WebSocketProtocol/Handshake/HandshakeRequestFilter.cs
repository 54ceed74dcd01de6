namespace WebSocketProtocol.Handshake;

/// <summary>
/// The application's say before 101 is sent: return <see langword="false"/> to refuse the request with 403.
/// Runs after the RFC checks, the origin policy and subprotocol selection.
/// </summary>
/// <param name="request">The request, valid only during the call.</param>
public delegate bool HandshakeRequestFilter(HandshakeRequest request);
