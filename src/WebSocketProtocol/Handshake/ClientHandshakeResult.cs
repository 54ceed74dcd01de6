namespace WebSocketProtocol.Handshake;

/// <summary>What the server agreed to in its 101 response.</summary>
public readonly struct ClientHandshakeResult
{
    internal ClientHandshakeResult(string? subprotocol) => Subprotocol = subprotocol;

    /// <summary>The subprotocol the server chose (one of the client's own strings), or <see langword="null"/>.</summary>
    public string? Subprotocol { get; }
}
