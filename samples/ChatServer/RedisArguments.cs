using System;
using System.Globalization;

namespace ChatServer;

/// <summary>
/// <c>--redis HOST:PORT</c> and <c>--redis-presence-ttl SECS</c>: the Redis the rooms are shared through, and how long a
/// member's name stays reserved after its server's last heartbeat (the heartbeat runs every third of that).
/// </summary>
internal sealed record RedisArguments(string Endpoint, TimeSpan PresenceTtl)
{
    /// <summary>Long enough that a busy server's heartbeat is not mistaken for a crash, short enough to notice one soon.</summary>
    public static readonly TimeSpan DefaultPresenceTtl = TimeSpan.FromSeconds(15);

    /// <summary>Below this, a heartbeat (a third of it) could not keep up with a round trip to a loaded Redis.</summary>
    public static readonly TimeSpan MinPresenceTtl = TimeSpan.FromSeconds(0.3);

    /// <summary>How often the server renews its members' names and looks for members of crashed servers.</summary>
    public TimeSpan Heartbeat => PresenceTtl / 3;

    /// <summary>Whether <paramref name="value"/> is <c>HOST:PORT</c> with a port from 1 to 65535.</summary>
    public static bool IsEndpoint(string value)
    {
        int colon = value.LastIndexOf(':');
        return colon > 0
            && int.TryParse(value.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port)
            && port is > 0 and <= 65535;
    }
}
