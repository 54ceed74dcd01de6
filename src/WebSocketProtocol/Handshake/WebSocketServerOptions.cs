using System;
using System.Collections.Generic;
using WebSocketProtocol.Extensions;

namespace WebSocketProtocol.Handshake;

/// <summary>The server side of the opening handshake: limits, origin policy, subprotocols and the application's filter.</summary>
public sealed class WebSocketServerOptions
{
    /// <summary>The longest request line accepted: 8 KiB, as Kestrel.</summary>
    public const int DefaultMaxRequestLineLength = 8 * 1024;

    /// <summary>The most header fields accepted: 100, as Kestrel and python-websockets.</summary>
    public const int DefaultMaxHeaderCount = 100;

    /// <summary>The longest request head accepted: 32 KiB, as Kestrel.</summary>
    public const int DefaultMaxHeadLength = 32 * 1024;

    private readonly List<string> _subprotocols = new();
    private readonly List<string> _allowedOrigins = new();
    private readonly List<IWebSocketExtensionFactory> _extensions = new();

    /// <summary>The longest request line; longer gets 431. Default <see cref="DefaultMaxRequestLineLength"/>.</summary>
    public int MaxRequestLineLength { get; set; } = DefaultMaxRequestLineLength;

    /// <summary>The most header fields; more gets 431. Default <see cref="DefaultMaxHeaderCount"/>.</summary>
    public int MaxHeaderCount { get; set; } = DefaultMaxHeaderCount;

    /// <summary>The longest head in all; longer gets 431. Default <see cref="DefaultMaxHeadLength"/>.</summary>
    public int MaxHeadLength { get; set; } = DefaultMaxHeadLength;

    /// <summary>How long the whole request head may take to arrive; a slower client gets 408. Default 10 s; <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> disables it.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The subprotocols this server speaks, most preferred first; the first one the client also offers is chosen.</summary>
    public IList<string> SubProtocols => _subprotocols;

    /// <summary>Which origins may connect. Default <see cref="Handshake.OriginPolicy.SameOrigin"/>.</summary>
    public OriginPolicy OriginPolicy { get; set; } = OriginPolicy.SameOrigin;

    /// <summary>Origins allowed besides the same origin, exactly as browsers send them (<c>https://example.com:8443</c>), compared case-insensitively.</summary>
    public IList<string> AllowedOrigins => _allowedOrigins;

    /// <summary>The extensions this server can agree to; each sees the client's offers of its name in the client's order.</summary>
    public IList<IWebSocketExtensionFactory> Extensions => _extensions;

    /// <summary>The application's last word before 101; <see langword="null"/> accepts everything that passed the other checks.</summary>
    public HandshakeRequestFilter? RequestFilter { get; set; }

    internal List<string> SubProtocolList => _subprotocols;

    internal List<string> AllowedOriginList => _allowedOrigins;

    internal List<IWebSocketExtensionFactory> ExtensionList => _extensions;
}
