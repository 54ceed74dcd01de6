using System;

namespace ChatServer;

/// <summary>
/// The timers that bound what a silent, slow or vanished client can cost: the opening handshake's deadline, keepalive,
/// the wait for a close frame, and the time a frame once begun may take to arrive. Short values let tests watch each one
/// fire in seconds.
/// </summary>
internal sealed record ServerTimers(TimeSpan Handshake, TimeSpan KeepAliveInterval, TimeSpan KeepAliveTimeout, TimeSpan Close, TimeSpan Frame)
{
    /// <summary>
    /// The library's defaults for a server (10 s handshake, a ping every 20 s answered within 20 s, 30 s to finish a
    /// frame), and 5 s for a close.
    /// </summary>
    public static ServerTimers Default { get; } = new(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30));
}
