using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace ChatServer.Chat.Redis;

/// <summary>
/// This server as one node of a chat shared through Redis: one connection (StackExchange.Redis multiplexes every room's
/// commands and subscriptions over it, and with a Sentinel service name follows the master through a fail-over), a random
/// node id that makes each token unique, the rooms made here, and the heartbeat that keeps their members' names alive.
/// Connection losses and restorations are printed; after a restoration the heartbeat runs and every room reads its log at
/// once, so names Redis lost are taken again and events missed meanwhile are delivered.
/// </summary>
internal sealed class RedisChatNode : IAsyncDisposable
{
    /// <summary>Events a room's log keeps, at most, per message of history (and at least the history's messages).</summary>
    public const int LogEventsPerHistoryMessage = 10;

    /// <summary>Message ids a room remembers in Redis per message of history: a retry is recognised across this many messages.</summary>
    public const int MessageIdsPerHistoryMessage = 10;

    private readonly IConnectionMultiplexer _redis;
    private readonly ConcurrentDictionary<RedisChatRoom, bool> _rooms = new();
    private readonly string _nodeId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
    private readonly RedisPresenceHeartbeat _heartbeat;
    private readonly Action<string> _log;
    private long _tokens;

    /// <summary>
    /// A node over <paramref name="redis"/>, using <paramref name="database"/> and <paramref name="subscriber"/> for every
    /// command (the connection's own, or wrappers of them); the heartbeat starts at once.
    /// </summary>
    public RedisChatNode(IConnectionMultiplexer redis, IDatabase database, ISubscriber subscriber, RedisArguments arguments, int historyLimit, int maxKeptHistory, Action<string> log)
    {
        _redis = redis;
        _log = log;
        Database = database;
        Subscriber = subscriber;
        PresenceTtl = arguments.PresenceTtl;
        PollInterval = arguments.Heartbeat;
        HistoryLimit = historyLimit;
        LogLimit = LogEventsPerHistoryMessage * historyLimit;
        MessageIdLimit = MessageIdsPerHistoryMessage * historyLimit;
        MaxKeptHistory = maxKeptHistory;
        _heartbeat = new RedisPresenceHeartbeat(Rooms, arguments.Heartbeat, log);
        redis.ConnectionFailed += (_, e) => log($"Redis connection lost ({e.ConnectionType}, {e.EndPoint}): {e.FailureType}");
        redis.ConnectionRestored += (_, e) =>
        {
            log($"Redis connection restored ({e.ConnectionType}, {e.EndPoint})");
            _heartbeat.RunNow();
            foreach (RedisChatRoom room in _rooms.Keys)
            {
                room.Wake();
            }
        };
        _heartbeat.Start();
    }

    public IDatabase Database { get; }

    public ISubscriber Subscriber { get; }

    /// <summary>How long a name outlives its owner's last renewal.</summary>
    public TimeSpan PresenceTtl { get; }

    /// <summary>How often each room reads its log even when no wake-up came (the heartbeat's interval).</summary>
    public TimeSpan PollInterval { get; }

    /// <summary>Messages each room keeps.</summary>
    public int HistoryLimit { get; }

    /// <summary>Events each room's log keeps at most (about: Redis trims it in whole blocks).</summary>
    public int LogLimit { get; }

    /// <summary>Message ids each room remembers in Redis, to store a retried message once.</summary>
    public int MessageIdLimit { get; }

    /// <summary>Messages kept in all, across every server, by the rooms everyone has left.</summary>
    public int MaxKeptHistory { get; }

    /// <summary>
    /// Connects to <paramref name="arguments"/>' Redis (a StackExchange.Redis configuration: endpoints, or Sentinels and a
    /// service name, password, TLS). A Redis that is down does not stop the server: it starts anyway, answers joins with
    /// <c>unavailable</c> and connects as soon as Redis is there.
    /// </summary>
    public static async Task<RedisChatNode> ConnectAsync(RedisArguments arguments, int historyLimit, int maxKeptHistory)
    {
        ConfigurationOptions options = arguments.Options();
        ConnectionMultiplexer redis = await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
        string shown = options.ToString(includePassword: false);
        Console.WriteLine(redis.IsConnected ? $"Redis {shown} connected" : $"Redis {shown} unreachable; retrying");
        return new RedisChatNode(redis, redis.GetDatabase(), redis.GetSubscriber(), arguments, historyLimit, maxKeptHistory, Console.WriteLine);
    }

    /// <summary>The room called <paramref name="name"/> on this node, renewed by its heartbeat until it is released.</summary>
    public IChatRoom CreateRoom(string name)
    {
        var room = new RedisChatRoom(name, this);
        _rooms.TryAdd(room, true);
        return room;
    }

    /// <summary>A room this node no longer serves: the heartbeat leaves it alone.</summary>
    public void Forget(RedisChatRoom room) => _rooms.TryRemove(room, out _);

    /// <summary>This node's random id, which its tokens and typing notices carry.</summary>
    public string NodeId => _nodeId;

    /// <summary>A token no other member, attempt or node holds.</summary>
    public string NewToken() => _nodeId + ":" + Interlocked.Increment(ref _tokens).ToString(CultureInfo.InvariantCulture);

    /// <summary>Prints a line about this node's dealings with Redis.</summary>
    public void Log(string line) => _log(line);

    public async ValueTask DisposeAsync()
    {
        await _heartbeat.DisposeAsync().ConfigureAwait(false);
        await _redis.DisposeAsync().ConfigureAwait(false);
    }

    private IEnumerable<IPresenceHeartbeatTarget> Rooms() => _rooms.Keys;
}
