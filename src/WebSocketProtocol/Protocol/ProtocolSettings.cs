namespace WebSocketProtocol.Protocol;

/// <summary>
/// The limits and timers a <see cref="ConnectionProtocol"/> enforces, in the units it works in (bytes, milliseconds; 0
/// turns a timer off). The connection fills them from its options; tests and fuzz targets set them directly.
/// </summary>
internal sealed class ProtocolSettings
{
    /// <summary>Creates settings for <paramref name="role"/> with the connection's defaults and every timer off.</summary>
    public ProtocolSettings(WebSocketRole role) => Role = role;

    /// <summary>The side this endpoint plays: it decides which frames must be masked (RFC 6455 section 5.1).</summary>
    public WebSocketRole Role { get; }

    /// <summary>The longest message accepted, fragments summed and inflated bytes counted as they are produced.</summary>
    public long MaxMessageSize { get; set; } = 1024 * 1024;

    /// <summary>What each received data frame counts at least against <see cref="MaxMessageSize"/>.</summary>
    public int MinimumFragmentCharge { get; set; } = 16;

    /// <summary>How often a keepalive ping goes out while the connection is open; 0 never.</summary>
    public long KeepAliveIntervalMilliseconds { get; set; }

    /// <summary>How long a keepalive ping may wait for a pong.</summary>
    public long KeepAliveTimeoutMilliseconds { get; set; } = 20_000;

    /// <summary>How long nothing may arrive before the connection closes with 1001; 0 never.</summary>
    public long IdleTimeoutMilliseconds { get; set; }

    /// <summary>How long the peer may keep the connection waiting for the rest of a frame it began; 0 never.</summary>
    public long FrameTimeoutMilliseconds { get; set; }
}
