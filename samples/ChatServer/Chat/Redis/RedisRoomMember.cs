using System.Collections.Generic;
using WebSocketProtocol.Framing;

namespace ChatServer.Chat.Redis;

/// <summary>
/// A member of a <see cref="RedisChatRoom"/> on this server: its name, the token that proves this server owns the name in
/// Redis, and from which sequence number on it gets the room's events. Used under the room's lock.
/// </summary>
internal sealed class RedisRoomMember
{
    // Events that arrive while the join script is under way: at most a round trip to Redis of the room's traffic.
    private List<(long Sequence, PreparedFrame Frame)>? _pending = new();
    private long _joinedAt;

    public RedisRoomMember(ChatMember member, string name, string token)
    {
        Member = member;
        Name = name;
        Field = Nickname.Fold(name);
        Token = token;
    }

    public ChatMember Member { get; }

    /// <summary>The name as shown (<see cref="Nickname.Normalize"/>d).</summary>
    public string Name { get; }

    /// <summary>
    /// The folded name (<see cref="Nickname.Fold"/>, the key the in-memory room compares names by): the member's field in
    /// the room's hash and the end of its name key.
    /// </summary>
    public string Field { get; }

    /// <summary>This server's proof of ownership of the name key.</summary>
    public string Token { get; }

    /// <summary>Whether the join script has answered and the member gets live events.</summary>
    public bool IsJoined => _pending is null;

    /// <summary>
    /// Hands the member an event that came on the room's channel: queued if it comes after the member's join, held while
    /// the join is under way, dropped if the join's history already had it. False if the member fell behind and was cut off.
    /// </summary>
    public bool Deliver(long sequence, PreparedFrame frame)
    {
        if (_pending is not null)
        {
            _pending.Add((sequence, frame));
            return true;
        }

        return sequence <= _joinedAt || Member.Send(frame);
    }

    /// <summary>
    /// The join script answered with the join's <paramref name="sequence"/>: the events held meanwhile that come after it
    /// go out now (those before it were in the history or the member list), and later ones as they come.
    /// </summary>
    public bool Activate(long sequence)
    {
        List<(long Sequence, PreparedFrame Frame)> held = _pending!;
        _pending = null;
        _joinedAt = sequence;
        foreach ((long heldSequence, PreparedFrame frame) in held)
        {
            if (!Deliver(heldSequence, frame))
            {
                return false;
            }
        }

        return true;
    }
}
