using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;

namespace ChatServer;

/// <summary>The command line (see <see cref="Usage"/>).</summary>
internal sealed record ServerArguments(int Port, string Host, long MaxMessageSize, int MaxChatMessage, double MessagesPerSecond, int MaxQueue, int MaxRooms, IReadOnlyList<string> AllowedOrigins, string? CertificatePath, string? CertificatePassword, ServerTimers Timers, RedisArguments? Redis)
{
    public const string Usage =
        "Usage: ChatServer [options]\n" +
        "  --port N                  TCP port to listen on (default 8080; 0 picks a free one)\n" +
        "  --host NAME               localhost, a loopback or any IP address to bind (default localhost)\n" +
        "  --max-message-size BYTES  largest message /echo accepts (default 16777216, enough for the conformance catalogue)\n" +
        "  --max-chat-message CHARS  longest chat message (default 2000)\n" +
        "  --rate N                  chat messages a second per connection, bursts of twice that (default 5)\n" +
        "  --max-queue N             frames waiting for one slow reader before it is cut off with 1013 (default 256)\n" +
        "  --max-rooms N             rooms the server keeps; joining a new one past that closes with 1008 (default 1000)\n" +
        "  --allowed-origin ORIGIN   a browser origin allowed besides the page's own (repeatable), e.g. http://example.com\n" +
        "  --cert FILE.pfx           serve https:// and wss:// with this certificate (PKCS#12), instead of http:// and ws://\n" +
        "  --cert-password PASSWORD  the password of the --cert file, if it has one\n" +
        "  --handshake-timeout SECS  time a client has to send its whole request head, else 408 (default 10)\n" +
        "  --keepalive SECS          ping each connection this often; 0 turns keepalive off (default 20)\n" +
        "  --keepalive-timeout SECS  time a ping may wait for its pong before the connection fails with 1011 (default 20)\n" +
        "  --close-timeout SECS      time to wait for the peer's close frame after the server's, and for a finished\n" +
        "                            connection's last bytes to reach a peer, before dropping it (default 5)\n" +
        "  --frame-timeout SECS      time a client may keep the server waiting for the rest of a frame it has begun\n" +
        "                            before the connection fails with 1011, keepalive or not; 0 turns it off (default 30)\n" +
        "  --redis HOST:PORT         share rooms, presence and history with every server on this Redis (default: none,\n" +
        "                            the rooms live in this process only)\n" +
        "  --redis-presence-ttl SECS how long a member's name outlives its server's last heartbeat in Redis, so a crashed\n" +
        "                            server's members leave the other servers' rooms (default 15; heartbeat every third)\n" +
        "  --help                    this text\n" +
        "The chat page is served at http://HOST:PORT/, the room at ws://HOST:PORT/chat?room=NAME, the echo at /echo\n" +
        "(https:// and wss:// with --cert).\n";

    public static ServerArguments? Parse(string[] args, out string? error)
    {
        int port = 8080;
        string host = "localhost";
        long maxMessageSize = 16 * 1024 * 1024;
        int maxChatMessage = 2000;
        double rate = 5;
        int maxQueue = 256;
        int maxRooms = 1000;
        var origins = new List<string>();
        string? certificate = null;
        string? certificatePassword = null;
        ServerTimers timers = ServerTimers.Default;
        string? redis = null;
        TimeSpan presenceTtl = RedisArguments.DefaultPresenceTtl;
        error = null;
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            if (name is "--help" or "-h")
            {
                return null;
            }

            if (i + 1 >= args.Length)
            {
                error = $"{name} needs a value.";
                return null;
            }

            string value = args[++i];
            switch (name)
            {
                case "--port" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int p) && p <= 65535:
                    port = p;
                    break;
                case "--host":
                    host = value;
                    break;
                case "--max-message-size" when long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long m) && m >= 125:
                    maxMessageSize = m;
                    break;
                case "--max-chat-message" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int c) && c is > 0 and <= 1_000_000:
                    maxChatMessage = c;
                    break;
                case "--rate" when double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double r) && r > 0:
                    rate = r;
                    break;
                case "--max-queue" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int q) && q > 0:
                    maxQueue = q;
                    break;
                case "--max-rooms" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int rooms) && rooms > 0:
                    maxRooms = rooms;
                    break;
                case "--allowed-origin" when Uri.TryCreate(value, UriKind.Absolute, out _):
                    origins.Add(value.TrimEnd('/'));
                    break;
                case "--cert":
                    certificate = value;
                    break;
                case "--cert-password":
                    certificatePassword = value;
                    break;
                case "--handshake-timeout" when TryParseSeconds(value, allowZero: false, out TimeSpan handshake):
                    timers = timers with { Handshake = handshake };
                    break;
                case "--keepalive" when TryParseSeconds(value, allowZero: true, out TimeSpan keepAlive):
                    timers = timers with { KeepAliveInterval = keepAlive == TimeSpan.Zero ? Timeout.InfiniteTimeSpan : keepAlive };
                    break;
                case "--keepalive-timeout" when TryParseSeconds(value, allowZero: false, out TimeSpan keepAliveTimeout):
                    timers = timers with { KeepAliveTimeout = keepAliveTimeout };
                    break;
                case "--close-timeout" when TryParseSeconds(value, allowZero: false, out TimeSpan close):
                    timers = timers with { Close = close };
                    break;
                case "--frame-timeout" when TryParseSeconds(value, allowZero: true, out TimeSpan frame):
                    timers = timers with { Frame = frame == TimeSpan.Zero ? Timeout.InfiniteTimeSpan : frame };
                    break;
                case "--redis" when RedisArguments.IsEndpoint(value):
                    redis = value;
                    break;
                case "--redis-presence-ttl" when TryParseSeconds(value, allowZero: false, out TimeSpan ttl) && ttl >= RedisArguments.MinPresenceTtl:
                    presenceTtl = ttl;
                    break;
                default:
                    error = $"Unknown option or bad value: {name} {value}";
                    return null;
            }
        }

        if (certificatePassword is not null && certificate is null)
        {
            error = "--cert-password needs --cert.";
            return null;
        }

        RedisArguments? redisArguments = redis is null ? null : new RedisArguments(redis, presenceTtl);
        return new ServerArguments(port, host, maxMessageSize, maxChatMessage, rate, maxQueue, maxRooms, origins, certificate, certificatePassword, timers, redisArguments);
    }

    /// <summary>A number of seconds, fractions allowed (0.5), at most a day so that it fits every timer.</summary>
    private static bool TryParseSeconds(string value, bool allowZero, out TimeSpan span)
    {
        span = default;
        if (!double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double seconds) || seconds > 86_400 || (seconds == 0 && !allowZero))
        {
            return false;
        }

        span = TimeSpan.FromSeconds(seconds);
        return true;
    }
}
