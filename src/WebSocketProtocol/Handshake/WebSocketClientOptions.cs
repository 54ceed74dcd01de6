using System;
using System.Collections.Generic;
using WebSocketProtocol.Extensions;

namespace WebSocketProtocol.Handshake;

/// <summary>The client side of the opening handshake: what to offer and what to accept back.</summary>
public sealed class WebSocketClientOptions
{
    private readonly List<string> _subprotocols = new();
    private readonly List<KeyValuePair<string, string>> _headers = new();
    private readonly List<IWebSocketClientExtensionFactory> _extensions = new();

    /// <summary>SubProtocols to offer, in order of preference; the server may pick one of them and nothing else.</summary>
    public IList<string> SubProtocols => _subprotocols;

    /// <summary>Extensions to offer, in order of preference; the server may agree to any of them and nothing else.</summary>
    public IList<IWebSocketClientExtensionFactory> Extensions => _extensions;

    /// <summary>The Origin header to send, as a browser would (<c>https://example.com</c>); none by default.</summary>
    public string? Origin { get; set; }

    /// <summary>Extra header fields for the request (for instance Authorization). Names must be tokens; values must not contain CR or LF.</summary>
    public IList<KeyValuePair<string, string>> Headers => _headers;

    /// <summary>How long the whole handshake may take. Default 10 s; <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> disables it.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest response head accepted. Default 32 KiB.</summary>
    public int MaxResponseHeadLength { get; set; } = WebSocketServerOptions.DefaultMaxHeadLength;

    /// <summary>The most response header fields accepted. Default 100.</summary>
    public int MaxResponseHeaderCount { get; set; } = WebSocketServerOptions.DefaultMaxHeaderCount;

    internal List<string> SubProtocolList => _subprotocols;

    internal List<KeyValuePair<string, string>> HeaderList => _headers;

    internal List<IWebSocketClientExtensionFactory> ExtensionList => _extensions;
}
