namespace ChatServer.Chat.Redis;

/// <summary>
/// The Lua scripts that change a room's members in Redis (the message scripts are <see cref="RedisMessageScripts"/>).
/// Each runs atomically, so an event's sequence number, its place in the room's log and history and its wake-up on the
/// room's channel always agree, and a joiner's history and member list end exactly where its live events begin.
/// </summary>
internal static class RedisChatScripts
{
    /// <summary>
    /// Logs one event of a room and returns its sequence number and text. The number is the larger of the last one plus
    /// one and Redis's clock in microseconds: numbers grow with every event, and they go on growing when Redis has lost
    /// the room's last events (a restart without persistence, or a fail-over to a replica that had not received them), so
    /// a server never takes a new event for one it delivered (this assumes the clocks of the Redis machines agree better
    /// than a fail-over is quick, which NTP gives). Each event also names the number of the event before it
    /// ('previous', 0 when the room's log starts afresh): a server that delivered up to N and reads an event whose
    /// previous is past N knows it has missed some. The log is a stream capped at about ARGV log limit events (and
    /// trimmed to the history's oldest message by the post script); the wake-up on the channel carries the event itself.
    /// Nothing is written before XADD, which is the one call here that could fail.
    /// </summary>
    internal const string AppendEvent = """
        local function append_event(sequence_key, log_key, channel, log_limit, kind, body)
          local now = redis.call('TIME')
          local clock = tonumber(now[1]) * 1000000 + tonumber(now[2])
          local last = tonumber(redis.call('GET', sequence_key) or '0')
          local sequence = string.format('%d', math.max(last + 1, clock))
          local previous = string.format('%d', last)
          local event = kind .. '\n' .. sequence .. '\n' .. body
          redis.call('XADD', log_key, 'MAXLEN', '~', log_limit, sequence .. '-0', 'p', previous, 'e', event)
          redis.call('SET', sequence_key, sequence)
          redis.call('PUBLISH', channel, previous .. '\n' .. event)
          return sequence, event
        end

        """;

    /// <summary>
    /// Takes a name (again, after Redis lost it, or on a retry of a join whose answer did not come). KEYS: name, members,
    /// sequence, history, log, the join's fence. ARGV: channel, owner token, presence TTL in milliseconds, name, folded
    /// name, '1' to return the history, log limit. Returns <c>{'taken'}</c> when someone else holds the name,
    /// <c>{'fenced'}</c> when the server gave this join up, else <c>{'joined', sequence, member names, history}</c>: when
    /// the token already holds the name (an earlier attempt got through) nothing is told again and the sequence is the
    /// room's latest, so that names, history and sequence describe the room at one moment either way.
    /// </summary>
    public const string Join = AppendEvent + """
        if redis.call('EXISTS', KEYS[6]) == 1 then
          return {'fenced'}
        end
        local holder = redis.call('GET', KEYS[1])
        if holder and holder ~= ARGV[2] then
          return {'taken'}
        end
        local sequence
        if holder then
          redis.call('PEXPIRE', KEYS[1], ARGV[3])
          sequence = redis.call('GET', KEYS[3]) or '0'
        else
          sequence = append_event(KEYS[3], KEYS[5], ARGV[1], ARGV[7], 'j', ARGV[4])
          redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
        end
        redis.call('HSET', KEYS[2], ARGV[5], ARGV[4])
        local history = {}
        if ARGV[6] == '1' then
          history = redis.call('LRANGE', KEYS[4], 0, -1)
        end
        return {'joined', sequence, redis.call('HVALS', KEYS[2]), history}
        """;

    /// <summary>
    /// Gives a name back. KEYS: name, members, sequence, history, log, message ids, the join's fence. ARGV: channel, owner
    /// token, folded name, log limit, fence TTL in milliseconds ('0' for no fence). With a fence TTL, the token is fenced
    /// first, so that an attempt of the join still on its way cannot take the name afterwards. Tells the room unless the
    /// member was already gone (reaped) or the name has another owner. Returns whether it told the room (1 or 0), the
    /// members left, and the messages the room keeps. A room left empty with no history keeps nothing at all.
    /// </summary>
    public const string Leave = AppendEvent + """
        if ARGV[5] ~= '0' then
          redis.call('SET', KEYS[7], '1', 'PX', ARGV[5])
        end
        local holder = redis.call('GET', KEYS[1])
        if holder == ARGV[2] then
          redis.call('DEL', KEYS[1])
        elseif holder then
          return {0, redis.call('HLEN', KEYS[2]), redis.call('LLEN', KEYS[4])}
        end
        local told = 0
        local name = redis.call('HGET', KEYS[2], ARGV[3])
        if name then
          append_event(KEYS[3], KEYS[5], ARGV[1], ARGV[4], 'l', name)
          redis.call('HDEL', KEYS[2], ARGV[3])
          told = 1
        end
        local left = redis.call('HLEN', KEYS[2])
        local kept = redis.call('LLEN', KEYS[4])
        if left == 0 and kept == 0 then
          redis.call('DEL', KEYS[3], KEYS[5], KEYS[6])
        end
        return {told, left, kept}
        """;

    /// <summary>
    /// Drops an emptied room's history, log, message ids and counter, unless someone joined it meanwhile. KEYS: members,
    /// history, sequence, log, message ids. Returns 1 when it dropped them.
    /// </summary>
    public const string Forget = """
        if redis.call('HLEN', KEYS[1]) > 0 then
          return 0
        end
        redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5])
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
    /// room of each. KEYS: members, sequence, log. ARGV: channel, name key prefix, log limit. Every server runs it for its
    /// rooms; being atomic, each leave is told once. Returns how many left.
    /// </summary>
    public const string Reap = AppendEvent + """
        local gone = 0
        for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
          if redis.call('EXISTS', ARGV[2] .. field) == 0 then
            local name = redis.call('HGET', KEYS[1], field)
            append_event(KEYS[2], KEYS[3], ARGV[1], ARGV[3], 'l', name)
            redis.call('HDEL', KEYS[1], field)
            gone = gone + 1
          end
        end
        return gone
        """;
}
