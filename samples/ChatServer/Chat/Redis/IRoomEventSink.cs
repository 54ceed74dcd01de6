namespace ChatServer.Chat.Redis;

/// <summary>Where a <see cref="RedisRoomReader"/> hands the room's events: this server's members of the room.</summary>
internal interface IRoomEventSink
{
    /// <summary>The room's next event, in the room's order; never one twice.</summary>
    void Deliver(RoomEvent roomEvent);

    /// <summary>
    /// Events after <paramref name="after"/> up to <paramref name="upTo"/> are gone from the room's log before this server
    /// read them (it was cut off from Redis for longer than the log reaches back): its members cannot get them.
    /// </summary>
    void MissedEvents(long after, long upTo);

    /// <summary>A member called <paramref name="name"/> on the server <paramref name="node"/> is typing (this server's own notices included).</summary>
    void Typing(string node, string name);
}
