using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.Threading;
using WebSocketProtocol.Samples;

namespace ChatServer;

/// <summary>The command line (see <see cref="Parse"/>; <c>--help</c> prints it).</summary>
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

    private const string Description =
        "The chat sample server. The chat page is served at http://HOST:PORT/, the room at ws://HOST:PORT/chat?room=NAME, " +
        "the echo at /echo (https:// and wss:// with --cert).";

    /// <summary>
    /// Reads the arguments; <see langword="null"/> with <paramref name="exitCode"/> set (0 for <c>--help</c>, 2 for a bad
    /// command line) when the help or the errors were printed instead.
    /// </summary>
    public static ServerArguments? Parse(string[] args, out int exitCode)
    {
        ServerTimers defaults = ServerTimers.Default;
        Option<int> port = CommandLineParsing.Option("--port", "N", "TCP port to listen on (0 picks a free one)", "a port, 0 to 65535",
            (string text, out int value) => TryParseCount(text, out value) && value <= 65535, () => 8080);
        Option<string> host = CommandLineParsing.Option("--host", "NAME", "localhost, a loopback or any IP address to bind", "a host",
            CommandLineParsing.AnyText, () => "localhost");
        Option<long> maxMessageSize = CommandLineParsing.Option("--max-message-size", "BYTES", "largest message /echo accepts (enough for the conformance catalogue by default)", "a number of bytes, at least 125",
            (string text, out long value) => long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= 125, () => 16L * 1024 * 1024);
        Option<int> maxChatMessage = CommandLineParsing.Option("--max-chat-message", "CHARS", "longest chat message", "a length, 1 to 1000000",
            (string text, out int value) => TryParseCount(text, out value) && value is > 0 and <= 1_000_000, () => 2000);
        Option<double> rate = CommandLineParsing.Option("--rate", "N", "chat messages a second per connection, bursts of twice that", "a rate above 0",
            TryParseRate, () => 5.0);
        Option<int> maxQueue = CommandLineParsing.Option("--max-queue", "N", "frames waiting for one slow reader before it is cut off with 1013", "a count above 0",
            TryParsePositive, () => 256);
        Option<int> maxRooms = CommandLineParsing.Option("--max-rooms", "N", "rooms with members at once; a join that would open one more is refused and the connection closed with 1008", "a count above 0",
            TryParsePositive, () => 1000);
        Option<int> maxKeptHistory = CommandLineParsing.Option("--max-kept-history", "N", "messages kept, in all, for rooms everyone has left; the least recently used room's history goes first", "a count",
            TryParseCount, () => DefaultMaxKeptHistory);
        Option<int?> maxConnections = CommandLineParsing.Option("--max-connections", "N", "TCP connections held at once; more are reset as soon as they are accepted (default: the descriptor limit less a tenth, at least 256 kept for files, Redis and listeners)", "a count above 0",
            (string text, out int? value) => (value = TryParsePositive(text, out int n) ? n : null) is not null);
        Option<double> joinRate = CommandLineParsing.Option("--join-rate", "N", "joins a second from one remote address, bursts of five times that", "a rate above 0",
            TryParseRate, () => DefaultJoinsPerSecond);
        Option<double?> addressRate = CommandLineParsing.Option("--address-rate", "N", "chat messages a second from one remote address, bursts of twice that (default: four times --rate)", "a rate above 0",
            (string text, out double? value) => (value = TryParseRate(text, out double r) ? r : null) is not null);
        Option<string[]> allowedHosts = CommandLineParsing.RepeatedOption("--allowed-host", "NAME", "a Host the server answers to (repeatable; '*' for any); required when --host is not a loopback address; localhost and the loopback addresses are allowed when it is", "a host name, an address or '*'",
            (string text, out string value) => HostPolicy.IsValidEntry(value = text));
        Option<string[]> allowedOrigins = CommandLineParsing.RepeatedOption("--allowed-origin", "ORIGIN", "a browser origin allowed besides the page's own (repeatable), e.g. http://example.com", "an absolute URL",
            (string text, out string value) => Uri.TryCreate(value = text.TrimEnd('/'), UriKind.Absolute, out _));
        Option<string?> certificate = CommandLineParsing.Option<string?>("--cert", "FILE.pfx", "serve https:// and wss:// with this certificate (PKCS#12), instead of http:// and ws://", "a file",
            CommandLineParsing.AnyText);
        Option<string?> certificatePassword = CommandLineParsing.Option<string?>("--cert-password", "PASSWORD", "the password of the --cert file, if it has one", "a password",
            CommandLineParsing.AnyText);
        Option<double> handshake = Seconds("--handshake-timeout", "time a client has to send its whole request head, else 408", defaults.Handshake, allowZero: false);
        Option<double> keepAlive = Seconds("--keepalive", "ping each connection this often; 0 turns keepalive off", defaults.KeepAliveInterval, allowZero: true);
        Option<double> keepAliveTimeout = Seconds("--keepalive-timeout", "time a ping may wait for its pong before the connection fails with 1011", defaults.KeepAliveTimeout, allowZero: false);
        Option<double> close = Seconds("--close-timeout", "time to wait for the peer's close frame after the server's, and for a finished connection's last bytes to reach a peer, before dropping it", defaults.Close, allowZero: false);
        Option<double> frame = Seconds("--frame-timeout", "time a client may keep the server waiting for the rest of a frame it has begun before the connection fails with 1011, keepalive or not; 0 turns it off", defaults.Frame, allowZero: true);
        Option<string?> redis = CommandLineParsing.Option<string?>("--redis", "CONFIGURATION", "share rooms, presence and history with every server on this Redis (default: none, the rooms live in this process only): a StackExchange.Redis configuration string, HOST:PORT, several (HOST:PORT,HOST:PORT), Sentinels with serviceName=NAME, and options such as password=SECRET or ssl=true", string.Empty, CommandLineParsing.AnyText);
        // Its own message: what the parser refused is said without the value, which may hold a password.
        redis.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is string value && !RedisArguments.IsConfiguration(value, out string? problem))
            {
                result.AddError($"--redis takes a StackExchange.Redis configuration (HOST:PORT[,HOST:PORT...][,serviceName=NAME][,password=SECRET][,ssl=true]): {problem}");
            }
        });
        Option<double> presenceTtl = CommandLineParsing.Option("--redis-presence-ttl", "SECS", "how long a member's name outlives its server's last heartbeat in Redis, so a crashed server's members leave the other servers' rooms (heartbeat every third)", "seconds, at least 0.3 and at most 86400",
            (string text, out double value) => TryParseSeconds(text, allowZero: false, out value) && value >= RedisArguments.MinPresenceTtl.TotalSeconds, () => RedisArguments.DefaultPresenceTtl.TotalSeconds);

        var command = new RootCommand(Description)
        {
            port, host, maxMessageSize, maxChatMessage, rate, maxQueue, maxRooms, maxKeptHistory, maxConnections, joinRate, addressRate,
            allowedHosts, allowedOrigins, certificate, certificatePassword, handshake, keepAlive, keepAliveTimeout, close, frame, redis, presenceTtl,
        };
        if (CommandLineParsing.Parse(command, args, out exitCode, Check) is not { } parsed)
        {
            return null;
        }

        string? Check(ParseResult result)
        {
            if (result.GetValue(certificatePassword) is not null && result.GetValue(certificate) is null)
            {
                return "--cert-password needs --cert.";
            }

            // Anything can resolve to a public address, a rebinding attacker's name included: say which names are ours.
            string bound = result.GetValue(host)!;
            return result.GetValue(allowedHosts)!.Length == 0 && !HostPolicy.IsLoopback(bound)
                ? $"--host {bound} is not a loopback address: give the names clients use to reach it with --allowed-host (or --allowed-host '*')."
                : null;
        }

        var timers = new ServerTimers(
            TimeSpan.FromSeconds(parsed.GetValue(handshake)),
            OffWhenZero(parsed.GetValue(keepAlive)),
            TimeSpan.FromSeconds(parsed.GetValue(keepAliveTimeout)),
            TimeSpan.FromSeconds(parsed.GetValue(close)),
            OffWhenZero(parsed.GetValue(frame)));
        RedisArguments? redisArguments = parsed.GetValue(redis) is string configuration ? new RedisArguments(configuration, TimeSpan.FromSeconds(parsed.GetValue(presenceTtl))) : null;
        double messagesPerSecond = parsed.GetValue(rate);
        return new ServerArguments(parsed.GetValue(port), parsed.GetValue(host)!, parsed.GetValue(maxMessageSize), parsed.GetValue(maxChatMessage), messagesPerSecond, parsed.GetValue(maxQueue), parsed.GetValue(maxRooms), parsed.GetValue(allowedOrigins)!, parsed.GetValue(certificate), parsed.GetValue(certificatePassword), timers, redisArguments)
        {
            MaxConnections = parsed.GetValue(maxConnections),
            MaxKeptHistory = parsed.GetValue(maxKeptHistory),
            JoinsPerSecond = parsed.GetValue(joinRate),
            AddressMessagesPerSecond = parsed.GetValue(addressRate) ?? 4 * messagesPerSecond,
            AllowedHosts = parsed.GetValue(allowedHosts)!,
        };
    }

    /// <summary>A timer option in seconds whose default is <paramref name="defaultValue"/> (infinite shown as 0, off).</summary>
    private static Option<double> Seconds(string name, string description, TimeSpan defaultValue, bool allowZero)
    {
        double seconds = defaultValue == Timeout.InfiniteTimeSpan ? 0 : defaultValue.TotalSeconds;
        return CommandLineParsing.Option(name, "SECS", description, allowZero ? "seconds, 0 to 86400" : "seconds, above 0 and at most 86400",
            (string text, out double value) => TryParseSeconds(text, allowZero, out value), () => seconds);
    }

    private static TimeSpan OffWhenZero(double seconds) => seconds == 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(seconds);

    /// <summary>A number of seconds, fractions allowed (0.5), at most a day so that it fits every timer.</summary>
    internal static bool TryParseSeconds(string text, bool allowZero, out double seconds) =>
        double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out seconds) && seconds <= 86_400 && (seconds != 0 || allowZero);

    private static bool TryParseCount(string text, out int value) => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    private static bool TryParsePositive(string text, out int value) => TryParseCount(text, out value) && value > 0;

    private static bool TryParseRate(string text, out double value) =>
        double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value) && value > 0;
}
