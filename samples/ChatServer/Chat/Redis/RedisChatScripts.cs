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
        local function presence(kind, channel, sequence, name, members)
          redis.call('PUBLISH', channel, kind .. '\n' .. sequence .. '\n' .. name .. '\n' .. table.concat(redis.call('HVALS', members), '\n'))
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
        presence('j', ARGV[1], sequence, ARGV[4], KEYS[2])
        local history = {}
        if ARGV[6] == '1' then
          history = redis.call('LRANGE', KEYS[4], 0, -1)
        end
        return {sequence, redis.call('HVALS', KEYS[2]), history}
        """;

    /// <summary>
    /// Gives a name back. KEYS: name, members, sequence. ARGV: channel, owner token, folded name. Tells the room unless
    /// the member was already gone (reaped) or the name has another owner. Returns 1 when it told the room.
    /// </summary>
    public const string Leave = NextSequence + """
        local holder = redis.call('GET', KEYS[1])
        if holder == ARGV[2] then
          redis.call('DEL', KEYS[1])
        elseif holder then
          return 0
        end
        local name = redis.call('HGET', KEYS[2], ARGV[3])
        if not name then
          return 0
        end
        redis.call('HDEL', KEYS[2], ARGV[3])
        presence('l', ARGV[1], next_sequence(KEYS[3]), name, KEYS[2])
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
            presence('l', ARGV[1], next_sequence(KEYS[2]), name, KEYS[1])
            gone = gone + 1
          end
        end
        return gone
        """;
}
