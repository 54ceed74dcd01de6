using System.Threading;
using System.Threading.Tasks;

namespace ChatServer.Chat;

/// <summary>
/// A room as <see cref="ChatEndpoint"/> sees it: members join under a unique nickname, post messages and leave; the room
/// stamps each message, keeps the last ones as history and fans everything out to its members. <see cref="ChatRoom"/>
/// keeps it all in this process; <see cref="Redis.RedisChatRoom"/> shares it with every server on one Redis.
/// </summary>
internal interface IChatRoom
{
    /// <summary>The room's name.</summary>
    string Name { get; }

    /// <summary>
    /// Adds <paramref name="member"/> as <paramref name="name"/>: on success it gets <c>joined</c> then <c>history</c>, and
    /// the other members a <c>presence</c> join. While the outcome is unknown (the shared store did not answer in time)
    /// the member is told <c>pending</c> and the join goes on until it is settled; <paramref name="abandoned"/> says the
    /// connection ended meanwhile, and then the room undoes whatever got through. A refused join holds no name.
    /// </summary>
    ValueTask<JoinOutcome> JoinAsync(ChatMember member, string name, CancellationToken abandoned);

    /// <summary>
    /// Sends <paramref name="text"/> from a joined member to every member, the sender included. A message whose
    /// <paramref name="id"/> its sender used lately is stored once: the retry gets <c>duplicate</c>. A message whose fate
    /// cannot be known at once gets <c>pending</c>, then is delivered (the sender's own copy confirms it) or refused with
    /// an <c>error</c> naming its id; a message surely not stored gets that error at once.
    /// </summary>
    void Post(ChatMember from, string text, string? id);

    /// <summary>
    /// Tells the other members that <paramref name="from"/> is typing (<see cref="TypingNotices"/> paces it): nothing is
    /// stored, and a Redis room tells only the members on this server.
    /// </summary>
    void Typing(ChatMember from);

    /// <summary>Removes the member if it joined, and tells the others.</summary>
    ValueTask LeaveAsync(ChatMember member);

    /// <summary>Messages this object holds as history (0 where the history lives elsewhere, as in Redis).</summary>
    int KeptMessages { get; }

    /// <summary>
    /// The room has no members on this server and is no longer kept (<see cref="RoomRegistry"/>): let go of what it holds
    /// beyond its history (a Redis room unsubscribes from its channel).
    /// </summary>
    ValueTask ReleaseAsync();
}
