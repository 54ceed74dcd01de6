using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;

namespace ChatServer;

/// <summary>The command line (see <see cref="Usage"/>).</summary>
internal sealed record ServerArguments(int Port, string Host, long MaxMessageSize, int MaxChatMessage, double MessagesPerSecond, int MaxQueue, int MaxRooms, IReadOnlyList<string> AllowedOrigins, string? CertificatePath, string? CertificatePassword, ServerTimers Timers, RedisArguments? Redis)
{
    /// <summary>Messages kept in all the rooms nobody is in, together, by default.</summary>
    public const int DefaultMaxKeptHistory = 10_000;

    /// <summary>Joins a second from one address by default (bursts of five times that).</summary>
    public const double DefaultJoinsPerSecond = 10;

    /// <summary>Connections held at once (<c>--max-connections</c>); <see langword="null"/> for the default, derived from the descriptor limit.</summary>
    public int? MaxConnections { get; init; }

    /// <summary>Messages kept, in all, in rooms whose members have all left (<c>--max-kept-history</c>).</summary>
    public int MaxKeptHistory { get; init; } = DefaultMaxKeptHistory;

    /// <summary>Joins a second from one remote address (<c>--join-rate</c>).</summary>
    public double JoinsPerSecond { get; init; } = DefaultJoinsPerSecond;

    /// <summary>Chat messages a second from one remote address (<c>--address-rate</c>); four times <see cref="MessagesPerSecond"/> unless given.</summary>
    public double AddressMessagesPerSecond { get; init; }

    /// <summary>Host names (and addresses) the server answers to besides the defaults (<c>--allowed-host</c>); "*" for any.</summary>
    public IReadOnlyList<string> AllowedHosts { get; init; } = [];

    public const string Usage =
        "Usage: ChatServer [options]\n" +
        "  --port N                  TCP port to listen on (default 8080; 0 picks a free one)\n" +
        "  --host NAME               localhost, a loopback or any IP address to bind (default localhost)\n" +
        "  --max-message-size BYTES  largest message /echo accepts (default 16777216, enough for the conformance catalogue)\n" +
        "  --max-chat-message CHARS  longest chat message (default 2000)\n" +
        "  --rate N                  chat messages a second per connection, bursts of twice that (default 5)\n" +
        "  --max-queue N             frames waiting for one slow reader before it is cut off with 1013 (default 256)\n" +
        "  --max-rooms N             rooms with members at once; a join that would open one more is refused and the\n" +
        "                            connection closed with 1008 (default 1000)\n" +
        "  --max-kept-history N      messages kept, in all, for rooms everyone has left; the least recently used room's\n" +
        "                            history goes first (default 10000)\n" +
        "  --max-connections N       TCP connections held at once; more are reset as soon as they are accepted (default:\n" +
        "                            the descriptor limit less a tenth, at least 64, kept for files, Redis and listeners)\n" +
        "  --join-rate N             joins a second from one remote address, bursts of five times that (default 10)\n" +
        "  --address-rate N          chat messages a second from one remote address, bursts of twice that (default four\n" +
        "                            times --rate)\n" +
        "  --allowed-host NAME       a Host the server answers to (repeatable; '*' for any); required when --host is not\n" +
        "                            a loopback address; localhost and the loopback addresses are allowed when it is\n" +
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
        "  --redis CONFIGURATION     share rooms, presence and history with every server on this Redis (default: none,\n" +
        "                            the rooms live in this process only): a StackExchange.Redis configuration string,\n" +
        "                            HOST:PORT, several (HOST:PORT,HOST:PORT), Sentinels with serviceName=NAME, and\n" +
        "                            options such as password=SECRET or ssl=true\n" +
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
        int? maxConnections = null;
        int maxKeptHistory = DefaultMaxKeptHistory;
        double joinRate = DefaultJoinsPerSecond;
        double? addressRate = null;
        var hosts = new List<string>();
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
                case "--max-connections" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int connections) && connections > 0:
                    maxConnections = connections;
                    break;
                case "--max-kept-history" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int kept):
                    maxKeptHistory = kept;
                    break;
                case "--join-rate" when double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double joins) && joins > 0:
                    joinRate = joins;
                    break;
                case "--address-rate" when double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double perAddress) && perAddress > 0:
                    addressRate = perAddress;
                    break;
                case "--allowed-host" when HostPolicy.IsValidEntry(value):
                    hosts.Add(value);
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
                case "--redis" when !RedisArguments.IsConfiguration(value, out string? problem):
                    error = $"--redis takes a StackExchange.Redis configuration (HOST:PORT[,HOST:PORT...][,serviceName=NAME][,password=SECRET][,ssl=true]): {problem}";
                    return null;
                case "--redis":
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

        if (hosts.Count == 0 && !HostPolicy.IsLoopback(host))
        {
            // Anything can resolve to a public address, a rebinding attacker's name included: say which names are ours.
            error = $"--host {host} is not a loopback address: give the names clients use to reach it with --allowed-host (or --allowed-host '*').";
            return null;
        }

        RedisArguments? redisArguments = redis is null ? null : new RedisArguments(redis, presenceTtl);
        return new ServerArguments(port, host, maxMessageSize, maxChatMessage, rate, maxQueue, maxRooms, origins, certificate, certificatePassword, timers, redisArguments)
        {
            MaxConnections = maxConnections,
            MaxKeptHistory = maxKeptHistory,
            JoinsPerSecond = joinRate,
            AddressMessagesPerSecond = addressRate ?? 4 * rate,
            AllowedHosts = hosts,
        };
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
