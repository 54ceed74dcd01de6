using System;
using StackExchange.Redis;

namespace ChatServer;

/// <summary>
/// <c>--redis CONFIGURATION</c> and <c>--redis-presence-ttl SECS</c>: the Redis the rooms are shared through, as a
/// StackExchange.Redis configuration string (one or more <c>HOST:PORT</c> endpoints, or Sentinels and
/// <c>serviceName=NAME</c>, and options such as <c>password=...</c>, <c>user=...</c>, <c>ssl=true</c>), and how long a
/// member's name stays reserved after its server's last heartbeat (the heartbeat runs every third of that).
/// </summary>
internal sealed record RedisArguments(string Configuration, TimeSpan PresenceTtl)
{
    /// <summary>Long enough that a busy server's heartbeat is not mistaken for a crash, short enough to notice one soon.</summary>
    public static readonly TimeSpan DefaultPresenceTtl = TimeSpan.FromSeconds(15);

    /// <summary>Below this, a heartbeat (a third of it) could not keep up with a round trip to a loaded Redis.</summary>
    public static readonly TimeSpan MinPresenceTtl = TimeSpan.FromSeconds(0.3);

    /// <summary>
    /// The chat's settings, which the configuration given may override (a setting given twice takes the last value): a
    /// server starts while Redis is down, and a command that Redis does not answer within 2 s fails (its member is told
    /// <c>pending</c> and the server settles it) rather than holding the member up.
    /// </summary>
    private const string Defaults = "abortConnect=false,connectTimeout=2000,asyncTimeout=2000,syncTimeout=2000,keepAlive=5,name=chat-server";

    /// <summary>How often the server renews its members' names and looks for members of crashed servers.</summary>
    public TimeSpan Heartbeat => PresenceTtl / 3;

    /// <summary>
    /// Whether <paramref name="value"/> is a StackExchange.Redis configuration with at least one endpoint; if not,
    /// <paramref name="problem"/> says why (without repeating the value, which may hold a password).
    /// </summary>
    public static bool IsConfiguration(string value, out string? problem)
    {
        try
        {
            problem = ConfigurationOptions.Parse(value).EndPoints.Count == 0 ? "it names no HOST:PORT" : null;
        }
        catch (ArgumentException exception)
        {
            problem = exception.Message;
        }

        return problem is null;
    }

    /// <summary>The options to connect with: the chat's defaults, then the configuration given.</summary>
    public ConfigurationOptions Options()
    {
        ConfigurationOptions options = ConfigurationOptions.Parse(Defaults + "," + Configuration);
        // While Redis is away, a command fails at once, surely not sent (the member is told unavailable), rather than
        // waiting in a queue to be sent who knows when.
        options.BacklogPolicy = BacklogPolicy.FailFast;
        options.ReconnectRetryPolicy = new LinearRetry(500);
        return options;
    }
}
