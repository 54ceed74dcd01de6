namespace ChatServer.Chat.Redis;

/// <summary>
/// The Lua scripts that change a room in Redis. Each runs atomically, so an event's sequence number, its place in the
/// history and its place on the room's channel always agree: every server delivers the room's events in the order Redis
/// published them, and a joiner's history ends exactly where its live events begin.
/// </summary>
internal static class RedisChatScripts
{
    /// <summary>
    /// The next sequence number of a room, as a decimal string. A counter that is missing (a new room, or a Redis that
    /// restarted without persistence) starts at Redis's clock in microseconds, so numbers keep growing across a restart
    /// (unless a room averaged more than a million events a second) and servers never mistake new events for old ones.
    /// </summary>
    private const string NextSequence = """
        local function next_sequence(key)
          if redis.call('EXISTS', key) == 0 then
            local now = redis.call('TIME')
            redis.call('SET', key, now[1] .. string.format('%06d', tonumber(now[2])))
          end
          return string.format('%d', redis.call('INCR', key))
        end
        local function presence(kind, channel, sequence, name)
          redis.call('PUBLISH', channel, kind .. '\n' .. sequence .. '\n' .. name)
        end

        """;

    /// <summary>
    /// Posts a message. KEYS: sequence, history. ARGV: channel, body (<see cref="RoomEvent.MessageBody"/>), history
    /// size. Returns the sequence number.
    /// </summary>
    public const string Post = NextSequence + """
        local sequence = next_sequence(KEYS[1])
        local event = 'm\n' .. sequence .. '\n' .. ARGV[2]
        redis.call('RPUSH', KEYS[2], event)
        redis.call('LTRIM', KEYS[2], -tonumber(ARGV[3]), -1)
        redis.call('PUBLISH', ARGV[1], event)
        return sequence
        """;

    /// <summary>
    /// Takes a name (again, for its owner after Redis lost it). KEYS: name, members, sequence, history. ARGV: channel,
    /// owner token, presence TTL in milliseconds, name, folded name, '1' to return the history. Returns nil when someone
    /// else holds the name, else the join's sequence number, the member names and the history as of the join.
    /// </summary>
    public const string Join = NextSequence + """
        local holder = redis.call('GET', KEYS[1])
        if holder and holder ~= ARGV[2] then
          return false
        end
        redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
        redis.call('HSET', KEYS[2], ARGV[5], ARGV[4])
        local sequence = next_sequence(KEYS[3])
        presence('j', ARGV[1], sequence, ARGV[4])
        local history = {}
        if ARGV[6] == '1' then
          history = redis.call('LRANGE', KEYS[4], 0, -1)
        end
        return {sequence, redis.call('HVALS', KEYS[2]), history}
        """;

    /// <summary>
    /// Gives a name back. KEYS: name, members, sequence, history. ARGV: channel, owner token, folded name. Tells the room
    /// unless the member was already gone (reaped) or the name has another owner. Returns whether it told the room (1 or
    /// 0), the members left, and the messages the room keeps. A room left empty with no history keeps nothing at all.
    /// </summary>
    public const string Leave = NextSequence + """
        local holder = redis.call('GET', KEYS[1])
        if holder == ARGV[2] then
          redis.call('DEL', KEYS[1])
        elseif holder then
          return {0, redis.call('HLEN', KEYS[2]), redis.call('LLEN', KEYS[4])}
        end
        local told = 0
        local name = redis.call('HGET', KEYS[2], ARGV[3])
        if name then
          redis.call('HDEL', KEYS[2], ARGV[3])
          presence('l', ARGV[1], next_sequence(KEYS[3]), name)
          told = 1
        end
        local left = redis.call('HLEN', KEYS[2])
        local kept = redis.call('LLEN', KEYS[4])
        if left == 0 and kept == 0 then
          redis.call('DEL', KEYS[3])
        end
        return {told, left, kept}
        """;

    /// <summary>
    /// Drops an emptied room's history and counter, unless someone joined it meanwhile. KEYS: members, history, sequence.
    /// Returns 1 when it dropped them.
    /// </summary>
    public const string Forget = """
        if redis.call('HLEN', KEYS[1]) > 0 then
          return 0
        end
        redis.call('DEL', KEYS[2], KEYS[3])
        return 1
        """;

    /// <summary>
    /// Records that a room has emptied and keeps so many messages, then drops the least recently emptied rooms until the
    /// kept messages of all emptied rooms are within the limit. KEYS: the emptied rooms (a sorted set by time), their
    /// message counts (a hash), the total. ARGV: room, its messages, the limit, the time in milliseconds. Returns the
    /// rooms dropped, for <see cref="Forget"/>.
    /// </summary>
    public const string MarkEmptied = """
        local before = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
        redis.call('ZADD', KEYS[1], ARGV[4], ARGV[1])
        redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
        local total = redis.call('INCRBY', KEYS[3], tonumber(ARGV[2]) - before)
        local dropped = {}
        while total > tonumber(ARGV[3]) do
          local oldest = redis.call('ZPOPMIN', KEYS[1])
          if #oldest == 0 then
            redis.call('SET', KEYS[3], 0)
            break
          end
          local size = tonumber(redis.call('HGET', KEYS[2], oldest[1]) or '0')
          redis.call('HDEL', KEYS[2], oldest[1])
          total = redis.call('DECRBY', KEYS[3], size)
          dropped[#dropped + 1] = oldest[1]
        end
        return dropped
        """;

    /// <summary>A room has members again: it no longer counts as emptied. KEYS as <see cref="MarkEmptied"/>. ARGV: room.</summary>
    public const string MarkOccupied = """
        if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 then
          local size = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
          redis.call('HDEL', KEYS[2], ARGV[1])
          redis.call('DECRBY', KEYS[3], size)
        end
        return 1
        """;

    /// <summary>
    /// A server's heartbeat for its members of one room: renews each name it still owns. ARGV: name key prefix, presence
    /// TTL in milliseconds, then a folded name and its owner token for each member. Returns the folded names it no longer
    /// owns (Redis lost them, or they expired and were reaped). The name keys are built here rather than passed as KEYS;
    /// they share the room's hash tag, so this still holds on a Redis Cluster.
    /// </summary>
    public const string Renew = """
        local lost = {}
        for i = 3, #ARGV, 2 do
          local key = ARGV[1] .. ARGV[i]
          if redis.call('GET', key) == ARGV[i + 1] then
            redis.call('PEXPIRE', key, ARGV[2])
          else
            lost[#lost + 1] = ARGV[i]
          end
        end
        return lost
        """;

    /// <summary>
    /// Removes the members whose name expired (their server stopped renewing it: it crashed or lost Redis) and tells the
    /// room of each. KEYS: members, sequence. ARGV: channel, name key prefix. Every server runs it for its rooms; being
    /// atomic, each leave is told once. Returns how many left.
    /// </summary>
    public const string Reap = NextSequence + """
        local gone = 0
        for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
          if redis.call('EXISTS', ARGV[2] .. field) == 0 then
            local name = redis.call('HGET', KEYS[1], field)
            redis.call('HDEL', KEYS[1], field)
            presence('l', ARGV[1], next_sequence(KEYS[2]), name)
            gone = gone + 1
          end
        end
        return gone
        """;
}
