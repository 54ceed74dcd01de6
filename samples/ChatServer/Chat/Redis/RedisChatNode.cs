using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace ChatServer.Chat.Redis;

/// <summary>
/// This server as one node of a chat shared through Redis: one connection (StackExchange.Redis multiplexes every room's
/// commands and subscriptions over it), a random node id that makes each member's ownership token unique, the rooms made
/// here, and the heartbeat that keeps their members' names alive. Connection losses and restorations are printed; after
/// a restoration the heartbeat runs at once, so names Redis lost are taken again.
/// </summary>
internal sealed class RedisChatNode : IAsyncDisposable
{
    private readonly ConnectionMultiplexer _redis;
    private readonly ConcurrentDictionary<RedisChatRoom, bool> _rooms = new();
    private readonly string _nodeId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
    private readonly RedisPresenceHeartbeat _heartbeat;
    private long _tokens;

    private RedisChatNode(ConnectionMultiplexer redis, RedisArguments arguments, int historyLimit, int maxKeptHistory)
    {
        MaxKeptHistory = maxKeptHistory;
        _redis = redis;
        Database = redis.GetDatabase();
        Subscriber = redis.GetSubscriber();
        PresenceTtl = arguments.PresenceTtl;
        HistoryLimit = historyLimit;
        _heartbeat = new RedisPresenceHeartbeat(Rooms, arguments.Heartbeat, Console.WriteLine);
        redis.ConnectionFailed += (_, e) => Console.WriteLine($"Redis connection lost ({e.ConnectionType}): {e.FailureType}");
        redis.ConnectionRestored += (_, e) =>
        {
            Console.WriteLine($"Redis connection restored ({e.ConnectionType})");
            _heartbeat.RunNow();
        };
    }

    public IDatabase Database { get; }

    public ISubscriber Subscriber { get; }

    /// <summary>How long a name outlives its owner's last renewal.</summary>
    public TimeSpan PresenceTtl { get; }

    /// <summary>Messages each room keeps.</summary>
    public int HistoryLimit { get; }

    /// <summary>Messages kept in all, across every server, by the rooms everyone has left.</summary>
    public int MaxKeptHistory { get; }

    /// <summary>
    /// Connects to <paramref name="arguments"/>' Redis. A Redis that is down does not stop the server: it starts anyway,
    /// answers joins with <c>unavailable</c> and connects as soon as Redis is there.
    /// </summary>
    public static async Task<RedisChatNode> ConnectAsync(RedisArguments arguments, int historyLimit, int maxKeptHistory)
    {
        var options = new ConfigurationOptions
        {
            AbortOnConnectFail = false,
            // While Redis is away, a command fails at once (the member gets an error) rather than waiting in a queue.
            BacklogPolicy = BacklogPolicy.FailFast,
            ConnectTimeout = 2000,
            AsyncTimeout = 2000,
            SyncTimeout = 2000,
            ReconnectRetryPolicy = new LinearRetry(500),
            KeepAlive = 5,
            ClientName = "chat-server",
        };
        options.EndPoints.Add(arguments.Endpoint);
        ConnectionMultiplexer redis = await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
        Console.WriteLine(redis.IsConnected ? $"Redis {arguments.Endpoint} connected" : $"Redis {arguments.Endpoint} unreachable; retrying");
        var node = new RedisChatNode(redis, arguments, historyLimit, maxKeptHistory);
        node._heartbeat.Start();
        return node;
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

    /// <summary>A token no other member of any node holds.</summary>
    public string NewToken() => _nodeId + ":" + Interlocked.Increment(ref _tokens).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        await _heartbeat.DisposeAsync().ConfigureAwait(false);
        await _redis.DisposeAsync().ConfigureAwait(false);
    }

    private IEnumerable<IPresenceHeartbeatTarget> Rooms() => _rooms.Keys;
}
