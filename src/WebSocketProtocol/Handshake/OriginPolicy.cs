namespace WebSocketProtocol.Handshake;

/// <summary>Which browser origins may open a WebSocket (RFC 6455 section 10.2): the defence against cross-site WebSocket hijacking.</summary>
public enum OriginPolicy
{
    /// <summary>
    /// The default: a request with an Origin header is accepted only when that origin's host and port equal the Host header,
    /// or when it is in <see cref="WebSocketServerOptions.AllowedOrigins"/>. Requests without Origin (non-browser clients) pass.
    /// </summary>
    SameOrigin,

    /// <summary>Only origins in <see cref="WebSocketServerOptions.AllowedOrigins"/>; requests without Origin pass.</summary>
    AllowList,

    /// <summary>Any origin: for public APIs that authenticate by other means.</summary>
    Any,
}
