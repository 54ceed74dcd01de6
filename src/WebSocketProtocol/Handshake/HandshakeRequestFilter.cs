namespace WebSocketProtocol.Handshake;

/// <summary>
/// The application's say before 101 is sent: return <see cref="HandshakeError.None"/> to accept the request, or the error
/// to refuse it with, such as <see cref="HandshakeError.NotFound"/> (404) for a path the application does not serve or
/// <see cref="HandshakeError.RejectedByApplication"/> (403). Runs after the RFC checks, the origin policy and subprotocol
/// selection.
/// </summary>
/// <param name="request">The request, valid only during the call.</param>
/// <returns>The refusal, or <see cref="HandshakeError.None"/>; a value outside the enum refuses with 403.</returns>
public delegate HandshakeError HandshakeRequestFilter(HandshakeRequest request);
