using System;
using System.Buffers;
using System.Threading;
using WebSocketProtocol.Protocol;

namespace WebSocketProtocol.Connection;

/// <summary>Limits and timers of a <see cref="WebSocketConnection"/>; the defaults are safe for a public server.</summary>
public sealed class WebSocketConnectionOptions
{
    /// <summary>Creates options for <paramref name="role"/>.</summary>
    public WebSocketConnectionOptions(WebSocketRole role) => Role = role;

    /// <summary>The side this connection plays.</summary>
    public WebSocketRole Role { get; }

    /// <summary>The longest message accepted, fragments summed; a longer one fails with 1009 before it is buffered. Default 1 MiB.</summary>
    public long MaxMessageSize { get; set; } = 1024 * 1024;

    /// <summary>
    /// Each received data frame counts at least this many bytes against <see cref="MaxMessageSize"/>, so a message of a
    /// million empty fragments is bounded too. Default 16.
    /// </summary>
    public int MinimumFragmentCharge { get; set; } = 16;

    /// <summary>Outgoing messages longer than this go out in fragments of this size; 0 never fragments. Default 0.</summary>
    public int FragmentSize { get; set; }

    /// <summary>How often a ping is sent; <see cref="Timeout.InfiniteTimeSpan"/> turns keepalive off. Default 20 s for a server, off for a client.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// How long a keepalive ping may wait for its pong before the connection fails with 1011. Also how long a pong may wait
    /// for a peer that stopped reading to take it, keepalive on or off, before the connection is aborted (a pong holds the
    /// transport while it waits, and with it every send). Default 20 s.
    /// </summary>
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How long the connection may receive nothing (no frame of any kind) before it is closed with 1001; <see cref="Timeout.InfiniteTimeSpan"/>, the default, never.</summary>
    public TimeSpan IdleTimeout { get; set; } = Timeout.InfiniteTimeSpan;

    /// <summary>How long to wait for the peer's close frame (and, for a client, the server's TCP close) after ours. Default 10 s.</summary>
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long the peer may keep the connection waiting for the rest of a frame it has begun, its header and then its
    /// payload, before the connection fails with 1011 (<see cref="ProtocolError.FrameTimeout"/>): a peer that stops or
    /// trickles mid-frame is cut off whatever the keepalive setting. Only time spent waiting for the peer's bytes counts,
    /// summed over the frame; not the time between frames, nor the time the application takes between receives.
    /// <see cref="Timeout.InfiniteTimeSpan"/> turns it off. Default 30 s.
    /// </summary>
    public TimeSpan FrameTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Where the connection rents the buffers it assembles messages, inflates and discards in. Internal: tests give a pool
    /// that poisons and tracks returned arrays, to catch a buffer used after its return.
    /// </summary>
    internal ArrayPool<byte> BufferPool { get; set; } = ArrayPool<byte>.Shared;

    /// <summary>The limits and timers as the protocol core works with them: milliseconds, 0 for off.</summary>
    internal ProtocolSettings ToProtocolSettings() => new(Role)
    {
        MaxMessageSize = MaxMessageSize,
        MinimumFragmentCharge = MinimumFragmentCharge,
        KeepAliveIntervalMilliseconds = Milliseconds(KeepAliveInterval),
        KeepAliveTimeoutMilliseconds = (long)KeepAliveTimeout.TotalMilliseconds,
        IdleTimeoutMilliseconds = Milliseconds(IdleTimeout),
        FrameTimeoutMilliseconds = Milliseconds(FrameTimeout),
    };

    private static long Milliseconds(TimeSpan span) =>
        span == Timeout.InfiniteTimeSpan || span <= TimeSpan.Zero ? 0 : Math.Max(1, (long)span.TotalMilliseconds);

    /// <summary>Server defaults: keepalive on, since browsers cannot send pings.</summary>
    public static WebSocketConnectionOptions ForServer() => new(WebSocketRole.Server);

    /// <summary>Client defaults: keepalive off.</summary>
    public static WebSocketConnectionOptions ForClient() => new(WebSocketRole.Client) { KeepAliveInterval = Timeout.InfiniteTimeSpan };
}
