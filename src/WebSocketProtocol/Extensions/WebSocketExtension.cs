using System;
using WebSocketProtocol.Framing;

namespace WebSocketProtocol.Extensions;

/// <summary>
/// An extension agreed in the opening handshake (RFC 6455 section 9), such as permessage-deflate. It claims reserved bits,
/// which the frame reader then allows, and owns whatever per-connection state it needs until disposed.
/// </summary>
public abstract class WebSocketExtension : IDisposable
{
    /// <summary>The extension's registered name, as in the Sec-WebSocket-Extensions header.</summary>
    public abstract string Name { get; }

    /// <summary>The RSV bits this extension defines (RFC 6455 section 5.2); frames may set only bits some agreed extension claims.</summary>
    public abstract ReservedBits ReservedBits { get; }

    /// <summary>Releases the extension's per-connection state.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases state; <paramref name="disposing"/> is false only from a finalizer.</summary>
    /// <param name="disposing">Whether managed state may be touched.</param>
    protected virtual void Dispose(bool disposing)
    {
    }
}
