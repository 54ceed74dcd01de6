using System.Collections.Generic;
using System.Threading;
using WebSocketProtocol.Framing;

namespace ChatServer.Chat.Redis;

/// <summary>
/// A member of a <see cref="RedisChatRoom"/> on this server: its name, the token that proves this server owns the name in
/// Redis, the sequence number of the last event it got (so that no event reaches it twice, whatever path it came by),
/// and its messages not yet settled. <see cref="Deliver"/> and <see cref="Activate"/> are used under the room's lock.
/// </summary>
internal sealed class RedisRoomMember
{
    private readonly CancellationTokenSource _gone = new();

    // Events that arrive while the join script is under way: at most a round trip to Redis of the room's traffic (or, while
    // a join waits for a stalled Redis, nothing, since then no event comes either).
    private List<(long Sequence, PreparedFrame Frame)>? _pending = new();
    private long _lastSequence;
    private int _unsettled;
    private int _joinMayHaveApplied;

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

    /// <summary>This server's proof of ownership of the name key; also the token of every attempt of the member's join.</summary>
    public string Token { get; }

    /// <summary>Whether the join script has answered and the member gets live events.</summary>
    public bool IsJoined => Volatile.Read(ref _pending) is null;

    /// <summary>
    /// Whether an attempt of the join may have taken the name without the server knowing (its answer did not come): then
    /// leaving fences the token, so that such an attempt cannot take the name after the member has gone.
    /// </summary>
    public bool JoinMayHaveApplied
    {
        get => Volatile.Read(ref _joinMayHaveApplied) != 0;
        set => Volatile.Write(ref _joinMayHaveApplied, value ? 1 : 0);
    }

    /// <summary>Cancelled when the member leaves: its messages still being settled have nobody to tell.</summary>
    public CancellationToken Gone => _gone.Token;

    /// <summary>
    /// Hands the member an event of the room: held while the join is under way, dropped if the member had it already
    /// (the join's history, or an earlier delivery), queued otherwise. False if the member fell behind and was cut off.
    /// </summary>
    public bool Deliver(long sequence, PreparedFrame frame)
    {
        if (_pending is not null)
        {
            _pending.Add((sequence, frame));
            return true;
        }

        if (sequence <= _lastSequence)
        {
            return true;
        }

        _lastSequence = sequence;
        return Member.Send(frame);
    }

    /// <summary>
    /// The join script answered with the join's <paramref name="sequence"/>: the events held meanwhile that come after it
    /// go out now (those before it were in the history or the member list), and later ones as they come.
    /// </summary>
    public bool Activate(long sequence)
    {
        List<(long Sequence, PreparedFrame Frame)> held = _pending!;
        Volatile.Write(ref _pending, null);
        _lastSequence = sequence;
        foreach ((long heldSequence, PreparedFrame frame) in held)
        {
            if (!Deliver(heldSequence, frame))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Counts one more message being settled; false (and nothing counted) when the member has as many as its queue holds
    /// frames (each will bring it an answer, its own copy at least: a member with more would be cut off anyway).
    /// </summary>
    public bool TryStartMessage()
    {
        if (Interlocked.Increment(ref _unsettled) <= Member.QueueLimit)
        {
            return true;
        }

        Interlocked.Decrement(ref _unsettled);
        return false;
    }

    /// <summary>A message is settled.</summary>
    public void EndMessage() => Interlocked.Decrement(ref _unsettled);

    /// <summary>The member left the room on this server.</summary>
    public void Leave() => _gone.Cancel();
}
