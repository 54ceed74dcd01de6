namespace ChatServer.Chat.Redis;

/// <summary>
/// The Lua scripts that store a room's messages. A message is known by its sender's folded name and an id (the client's,
/// or one the server made): storing it is idempotent, so an attempt whose answer was lost may be made again, and the two
/// together store it once. Every attempt carries a token of its own; giving a message up fences the tokens of its
/// attempts, so that one still on its way (in a socket of a stalled Redis, say) can no longer store it.
/// </summary>
internal static class RedisMessageScripts
{
    /// <summary>
    /// Stores and logs a message unless it is stored already. KEYS: sequence, history, log, message ids, the attempt's
    /// fence. ARGV: channel, log limit, history size, the message's key (folded sender, line break, id), the body
    /// (<see cref="RoomEvent.MessageBody"/>), how many message keys to remember. Returns <c>{'stored', sequence}</c>,
    /// <c>{'duplicate', sequence}</c> (stored before, under that sequence number) or <c>{'fenced'}</c> (this attempt was
    /// given up: nothing was done). Once the history is full, the log keeps the events from its oldest message on.
    /// </summary>
    public const string Post = RedisChatScripts.AppendEvent + """
        if redis.call('EXISTS', KEYS[5]) == 1 then
          return {'fenced'}
        end
        local stored = redis.call('ZSCORE', KEYS[4], ARGV[4])
        if stored then
          return {'duplicate', string.format('%d', tonumber(stored))}
        end
        local sequence, event = append_event(KEYS[1], KEYS[3], ARGV[1], ARGV[2], 'm', ARGV[5])
        local size = tonumber(ARGV[3])
        redis.call('RPUSH', KEYS[2], event)
        redis.call('LTRIM', KEYS[2], -size, -1)
        if redis.call('LLEN', KEYS[2]) >= size then
          local oldest = string.match(redis.call('LINDEX', KEYS[2], 0), '^[^\n]*\n(%d+)')
          if oldest then
            redis.call('XTRIM', KEYS[3], 'MINID', '~', oldest .. '-0')
          end
        end
        redis.call('ZADD', KEYS[4], sequence, ARGV[4])
        redis.call('ZREMRANGEBYRANK', KEYS[4], 0, -(tonumber(ARGV[6]) + 1))
        return {'stored', sequence}
        """;

    /// <summary>
    /// Gives a message up: fences the tokens of its attempts, then says whether one of them stored it after all. KEYS:
    /// message ids, then the fence of each attempt. ARGV: the message's key, fence TTL in milliseconds. Returns
    /// <c>{'stored', sequence}</c> or <c>{'refused'}</c>; after either, no earlier attempt can store it any more.
    /// </summary>
    public const string GiveUp = """
        for i = 2, #KEYS do
          redis.call('SET', KEYS[i], '1', 'PX', ARGV[2])
        end
        local stored = redis.call('ZSCORE', KEYS[1], ARGV[1])
        if stored then
          return {'stored', string.format('%d', tonumber(stored))}
        end
        return {'refused'}
        """;
}
