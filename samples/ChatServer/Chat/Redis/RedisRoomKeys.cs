using StackExchange.Redis;

namespace ChatServer.Chat.Redis;

/// <summary>
/// The Redis names of one room, all under <c>chat:{ROOM}:</c>. The braces make the room a hash tag, so that on a Redis
/// Cluster every key of a room lands in one slot and a room's scripts may touch them together.
/// </summary>
internal sealed class RedisRoomKeys
{
    public RedisRoomKeys(string room)
    {
        string prefix = "chat:{" + room + "}:";
        Sequence = prefix + "seq";
        History = prefix + "history";
        Members = prefix + "members";
        NamePrefix = prefix + "name:";
        EventsName = prefix + "events";
        Events = RedisChannel.Literal(EventsName);
    }

    /// <summary>The rooms everyone has left that still keep history, by when they emptied (a sorted set; one for all rooms).</summary>
    public static readonly RedisKey EmptiedRooms = "chat:{emptied}:rooms";

    /// <summary>How many messages each of <see cref="EmptiedRooms"/> keeps (a hash).</summary>
    public static readonly RedisKey EmptiedSizes = "chat:{emptied}:sizes";

    /// <summary>The messages all of <see cref="EmptiedRooms"/> keep together.</summary>
    public static readonly RedisKey EmptiedTotal = "chat:{emptied}:total";

    /// <summary>A counter: every event of the room (message, join, leave) takes the next number.</summary>
    public RedisKey Sequence { get; }

    /// <summary>A list of the room's last messages, oldest first, capped at the history size.</summary>
    public RedisKey History { get; }

    /// <summary>A hash from each member's folded name (<see cref="Nickname.Fold"/>) to its name as shown: the member list.</summary>
    public RedisKey Members { get; }

    /// <summary>What comes before a folded name in the key that reserves it (see <see cref="Name"/>).</summary>
    public string NamePrefix { get; }

    /// <summary>The name of <see cref="Events"/>, as the scripts take it.</summary>
    public string EventsName { get; }

    /// <summary>The pub/sub channel every event of the room is published on, in sequence order.</summary>
    public RedisChannel Events { get; }

    /// <summary>The key that reserves <paramref name="field"/> (a folded name): its value is the owner's token, its TTL the presence TTL.</summary>
    public RedisKey Name(string field) => NamePrefix + field;
}
