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
        Log = prefix + "log";
        MessageIds = prefix + "ids";
        Members = prefix + "members";
        NamePrefix = prefix + "name:";
        FencePrefix = prefix + "fence:";
        EventsName = prefix + "events";
        Events = RedisChannel.Literal(EventsName);
        Typing = RedisChannel.Literal(prefix + "typing");
    }

    /// <summary>The rooms everyone has left that still keep history, by when they emptied (a sorted set; one for all rooms).</summary>
    public static readonly RedisKey EmptiedRooms = "chat:{emptied}:rooms";

    /// <summary>How many messages each of <see cref="EmptiedRooms"/> keeps (a hash).</summary>
    public static readonly RedisKey EmptiedSizes = "chat:{emptied}:sizes";

    /// <summary>The messages all of <see cref="EmptiedRooms"/> keep together.</summary>
    public static readonly RedisKey EmptiedTotal = "chat:{emptied}:total";

    /// <summary>The sequence number of the room's last event (see <see cref="RedisChatScripts"/> for how numbers are chosen).</summary>
    public RedisKey Sequence { get; }

    /// <summary>A list of the room's last messages, oldest first, capped at the history size.</summary>
    public RedisKey History { get; }

    /// <summary>
    /// A stream of the room's events (messages, joins, leaves), each under its sequence number: what every server reads
    /// from the last event it delivered, so that nothing is missed across a stall or a lost connection.
    /// </summary>
    public RedisKey Log { get; }

    /// <summary>
    /// The message ids the room stored lately (a sorted set by sequence number, capped): a retry of a message with the same
    /// sender and id is recognised and not stored again.
    /// </summary>
    public RedisKey MessageIds { get; }

    /// <summary>A hash from each member's folded name (<see cref="Nickname.Fold"/>) to its name as shown: the member list.</summary>
    public RedisKey Members { get; }

    /// <summary>What comes before a folded name in the key that reserves it (see <see cref="Name"/>).</summary>
    public string NamePrefix { get; }

    /// <summary>What comes before an attempt's token in the key that forbids it (see <see cref="Fence"/>).</summary>
    public string FencePrefix { get; }

    /// <summary>The name of <see cref="Events"/>, as the scripts take it.</summary>
    public string EventsName { get; }

    /// <summary>
    /// The pub/sub channel every event of the room is published on as it is logged: a wake-up for the servers (carrying
    /// the event, so a server that is up to date needs no read), never the only way an event reaches one.
    /// </summary>
    public RedisChannel Events { get; }

    /// <summary>
    /// The pub/sub channel typing notices cross to the other servers on (<c>NODE\nNAME</c>): a hint stale within seconds,
    /// so neither logged nor kept, and lost while a server is cut off from Redis.
    /// </summary>
    public RedisChannel Typing { get; }

    /// <summary>The key that reserves <paramref name="field"/> (a folded name): its value is the owner's token, its TTL the presence TTL.</summary>
    public RedisKey Name(string field) => NamePrefix + field;

    /// <summary>
    /// The key that, while it lives, forbids every script run with <paramref name="token"/>: set when the server gives up on
    /// an attempt whose fate it could not learn, so that the attempt cannot take effect later.
    /// </summary>
    public RedisKey Fence(string token) => FencePrefix + token;
}
