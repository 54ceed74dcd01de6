namespace WebSocketProtocol;

/// <summary>Which end of a connection this side plays; it decides the masking rules of RFC 6455 section 5.1.</summary>
public enum WebSocketRole
{
    /// <summary>The server: sends unmasked frames and requires every received frame to be masked.</summary>
    Server,

    /// <summary>The client: masks every frame it sends and requires every received frame to be unmasked.</summary>
    Client,
}
