using System;
using System.Collections.Generic;
using WebSocketProtocol.Extensions;

namespace WebSocketProtocol.Handshake;

/// <summary>What the server agreed to in its 101 response.</summary>
public readonly struct ClientHandshakeResult
{
    private readonly WebSocketExtension[]? _extensions;

    internal ClientHandshakeResult(string? subprotocol, WebSocketExtension[] extensions)
    {
        SubProtocol = subprotocol;
        _extensions = extensions;
    }

    /// <summary>The subprotocol the server chose (one of the client's own strings), or <see langword="null"/>.</summary>
    public string? SubProtocol { get; }

    /// <summary>The extensions the server agreed to, in the order of its response; the connection owns and disposes them.</summary>
    public IReadOnlyList<WebSocketExtension> Extensions => _extensions ?? Array.Empty<WebSocketExtension>();
}
