using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;
using WebSocketProtocol;
using WebSocketProtocol.Framing;

namespace ChatServer.Chat.Redis;

/// <summary>
/// A room shared by every server on one Redis. Members' names are reserved in Redis (unique across servers), history is a
/// capped list there, and every change is a script that logs an event, under the room's next sequence number, in the
/// room's log (a stream) and wakes the servers up on the room's channel. This server delivers to its own members only
/// what its <see cref="RedisRoomReader"/> reads, in the log's order, never straight from the sender: so each member of
/// each server gets each event once, in the room's order, across stalls and lost connections. Joins and messages whose
/// fate Redis leaves unknown are settled (<see cref="RedisRoomJoin"/>, <see cref="RedisMessagePost"/>) before their
/// sender is told. Every Redis call here survives any exception: it is logged, and the member gets a true answer.
/// </summary>
internal sealed class RedisChatRoom : IChatRoom, IPresenceHeartbeatTarget, IRoomEventSink
{
    private static readonly TimeSpan NameLostCloseTimeout = TimeSpan.FromSeconds(2);

    private readonly RedisChatNode _node;
    private readonly Dictionary<ChatMember, RedisRoomMember> _members = new();
    private readonly RecentMessageKeys _delivered;
    private readonly SemaphoreSlim _starting = new(1, 1);
    private RedisRoomReader? _reader;
    private bool _released;

    public RedisChatRoom(string name, RedisChatNode node)
    {
        Name = name;
        _node = node;
        Keys = new RedisRoomKeys(name);
        // Only a second line of defence (Redis stores a message once): the history's worth is enough.
        _delivered = new RecentMessageKeys(node.HistoryLimit);
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public int KeptMessages => 0;

    public RedisRoomKeys Keys { get; }

    /// <inheritdoc/>
    public async ValueTask<JoinOutcome> JoinAsync(ChatMember member, string name, CancellationToken abandoned)
    {
        // Reading before the join script runs, so every event after the join reaches this server. Failing here, nothing
        // was done: unavailable is true.
        if (!await TryStartReaderAsync().ConfigureAwait(false))
        {
            return JoinOutcome.Unavailable;
        }

        var local = new RedisRoomMember(member, name, _node.NewToken());
        lock (_members)
        {
            _members.Add(member, local);
        }

        var join = new RedisRoomJoin(_node, this, local);
        RedisResult[]? joined = await join.RunAsync(abandoned).ConfigureAwait(false);
        if (joined is null)
        {
            Forget(local);
            return join.Outcome;
        }

        long sequence = long.Parse((string)joined[1]!, NumberStyles.None, CultureInfo.InvariantCulture);
        string[] names = ((string[])joined[2]!).Order(StringComparer.OrdinalIgnoreCase).ToArray();
        ChatEntry[] history = ((RedisValue[])joined[3]!).Select(e => RoomEvent.Parse(e, 0)?.Entry).OfType<ChatEntry>().ToArray();
        member.Name = name;
        bool keptUp;
        lock (_members)
        {
            member.Send(ChatProtocol.Joined(name, Name, names));
            member.Send(ChatProtocol.History(history));
            keptUp = _members.ContainsKey(member) && local.Activate(sequence);
            if (!keptUp)
            {
                _members.Remove(member);
            }
        }

        if (!keptUp)
        {
            await LeaveInRedisAsync(local).ConfigureAwait(false);
            return JoinOutcome.Joined;
        }

        // The room has a member: its history no longer counts among the emptied rooms' (not awaited; a failure only
        // leaves it counted until it empties again).
        _ = RedisEmptiedRooms.MarkOccupiedAsync(_node, Name);
        return JoinOutcome.Joined;
    }

    /// <inheritdoc/>
    public void Post(ChatMember from, string text, string? id)
    {
        RedisRoomMember? local;
        lock (_members)
        {
            _members.TryGetValue(from, out local);
        }

        if (local is null)
        {
            // Cut off a moment ago (fell behind, or its name was lost): its connection is closing.
            return;
        }

        if (!local.TryStartMessage())
        {
            from.Send(ChatProtocol.Error("unavailable", "Too many of your messages are still waiting for the chat's shared store: that one was not sent.", id));
            return;
        }

        var entry = new ChatEntry(from.Name!, text, DateTimeOffset.UtcNow, id);
        // Not awaited: its first attempt goes out now, so one sender's messages keep their order while the receive loop
        // goes on reading. The sender sees its message when it comes back through the log, like everyone.
        _ = SettleAsync(local, new RedisMessagePost(_node, Keys, local, entry));
    }

    /// <inheritdoc/>
    public void Typing(ChatMember from)
    {
        // A hint stale within seconds: this server's members hear it at once, the others' through a publish that is
        // neither logged nor waited for (the sender's rate limit bounds them). A member whose queue is full is cut off by
        // its Send, and leaves when its connection ends.
        string name = from.Name!;
        lock (_members)
        {
            if (!_members.TryGetValue(from, out RedisRoomMember? sender) || !sender.IsJoined)
            {
                return;
            }

            SendTyping(name, sender);
        }

        try
        {
            _node.Subscriber.Publish(Keys.Typing, _node.NodeId + "\n" + name, CommandFlags.FireAndForget);
        }
        catch (Exception exception)
        {
            _node.Log($"Room {Name}: a typing notice was not published ({RedisFailures.Describe(exception)})");
        }
    }

    /// <inheritdoc/>
    void IRoomEventSink.Typing(string node, string name)
    {
        // This server's own notices were handed out as they came; a name that does not hold together is no notice.
        if (node == _node.NodeId || !Nickname.TryCreate(name, out string? valid, out _) || valid != name)
        {
            return;
        }

        lock (_members)
        {
            SendTyping(name, except: null);
        }
    }

    /// <summary>Tells the joined members but <paramref name="except"/> that <paramref name="name"/> is typing; under the members' lock.</summary>
    private void SendTyping(string name, RedisRoomMember? except)
    {
        var frame = new PreparedFrame(Opcode.Text, ChatProtocol.Typing(name));
        foreach (RedisRoomMember member in _members.Values)
        {
            if (member != except && member.IsJoined)
            {
                member.Member.Send(frame);
            }
        }
    }

    /// <inheritdoc/>
    public async ValueTask LeaveAsync(ChatMember member)
    {
        RedisRoomMember? local;
        lock (_members)
        {
            if (!_members.Remove(member, out local))
            {
                return;
            }
        }

        local.Leave();
        await LeaveInRedisAsync(local).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask ReleaseAsync()
    {
        _node.Forget(this);
        RedisRoomReader? reader;
        await _starting.WaitAsync().ConfigureAwait(false);
        try
        {
            _released = true;
            reader = _reader;
            _reader = null;
        }
        finally
        {
            _starting.Release();
        }

        if (reader is not null)
        {
            await reader.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Reads the room's log soon (after a reconnection, say).</summary>
    public void Wake() => Volatile.Read(ref _reader)?.Wake();

    /// <summary>
    /// Renews this server's members' names, takes again those Redis lost (after a restart), and reaps members of other
    /// servers whose names expired. Redis failures wait for the next beat; anything else reaches the heartbeat loop,
    /// which reports it and carries on.
    /// </summary>
    public async Task HeartbeatAsync()
    {
        Dictionary<string, RedisRoomMember> joined;
        lock (_members)
        {
            joined = _members.Values.Where(m => m.IsJoined).ToDictionary(m => m.Field, StringComparer.Ordinal);
        }

        try
        {
            if (joined.Count > 0)
            {
                var arguments = new List<RedisValue>(2 + (joined.Count * 2)) { Keys.NamePrefix, (long)_node.PresenceTtl.TotalMilliseconds };
                foreach (RedisRoomMember member in joined.Values)
                {
                    arguments.Add(member.Field);
                    arguments.Add(member.Token);
                }

                RedisResult lost = await _node.Database.ScriptEvaluateAsync(RedisChatScripts.Renew, [], arguments.ToArray()).ConfigureAwait(false);
                foreach (string field in (string[])lost!)
                {
                    // Only fields this beat sent come back; one missing would be a script bug, not a reason to stop.
                    if (joined.TryGetValue(field, out RedisRoomMember? member))
                    {
                        await TakeNameAgainAsync(member).ConfigureAwait(false);
                    }
                }
            }

            if (Volatile.Read(ref _reader) is not null)
            {
                await _node.Database.ScriptEvaluateAsync(RedisChatScripts.Reap, [Keys.Members, Keys.Sequence, Keys.Log], [Keys.EventsName, Keys.NamePrefix, _node.LogLimit]).ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            // Redis is away: names keep their TTL; when it comes back the node runs a beat at once.
        }
    }

    /// <summary>Runs the join script for <paramref name="member"/> (its token is the owner's and the attempt's).</summary>
    public Task<RedisResult> RunJoinAsync(RedisRoomMember member, bool withHistory) =>
        _node.Database.ScriptEvaluateAsync(
            RedisChatScripts.Join,
            [Keys.Name(member.Field), Keys.Members, Keys.Sequence, Keys.History, Keys.Log, Keys.Fence(member.Token)],
            [Keys.EventsName, member.Token, (long)_node.PresenceTtl.TotalMilliseconds, member.Name, member.Field, withHistory ? "1" : "0", _node.LogLimit]);

    /// <summary>
    /// Gives the member's name back in Redis, once (a failure leaves it to expire). When the join may have taken it
    /// without this server knowing, the member's token is fenced first. Returns whether Redis answered.
    /// </summary>
    public async Task<bool> LeaveInRedisAsync(RedisRoomMember member)
    {
        if (!member.IsJoined && !member.JoinMayHaveApplied)
        {
            return true;
        }

        long fenceFor = member.JoinMayHaveApplied ? (long)RedisMessagePost.FenceFor.TotalMilliseconds : 0;
        try
        {
            var result = (RedisResult[])(await _node.Database.ScriptEvaluateAsync(
                RedisChatScripts.Leave,
                [Keys.Name(member.Field), Keys.Members, Keys.Sequence, Keys.History, Keys.Log, Keys.MessageIds, Keys.Fence(member.Token)],
                [Keys.EventsName, member.Token, member.Field, _node.LogLimit, fenceFor]).ConfigureAwait(false))!;
            long left = (long)result[1];
            long kept = (long)result[2];
            if (left == 0 && kept > 0)
            {
                _ = RedisEmptiedRooms.MarkEmptiedAsync(_node, Name, kept);
            }

            return true;
        }
        catch (Exception exception)
        {
            // The name expires after the presence TTL, and the first heartbeat after that tells the room.
            _node.Log($"Room {Name}: leaving for {member.Name} failed ({RedisFailures.Describe(exception)}); the name expires instead");
            return false;
        }
    }

    /// <inheritdoc/>
    void IRoomEventSink.Deliver(RoomEvent received)
    {
        // Encoded once for every member of this server.
        var frame = new PreparedFrame(Opcode.Text, received.ToClientJson());
        List<RedisRoomMember>? cutOff = null;
        lock (_members)
        {
            // A message stored twice (its first copy's key was lost with a Redis that restarted empty) is shown once.
            if (received.Entry?.Id is { } id && !_delivered.TryAdd(RecentMessageKeys.Of(received.Name, id)))
            {
                return;
            }

            foreach (RedisRoomMember member in _members.Values)
            {
                // A joiner's own join is no later than its joined (it hears of itself there, as on one server); it does
                // hear of itself taking its name again after Redis lost it, following the leave it heard then.
                if (!member.Deliver(received.Sequence, frame))
                {
                    (cutOff ??= new List<RedisRoomMember>()).Add(member);
                }
            }

            foreach (RedisRoomMember member in cutOff ?? Enumerable.Empty<RedisRoomMember>())
            {
                _members.Remove(member.Member);
            }
        }

        // A member that fell behind leaves at once: the others hear of it now, not once its connection is gone.
        foreach (RedisRoomMember member in cutOff ?? Enumerable.Empty<RedisRoomMember>())
        {
            member.Leave();
            _ = LeaveInRedisAsync(member);
        }
    }

    /// <inheritdoc/>
    void IRoomEventSink.MissedEvents(long after, long upTo)
    {
        List<RedisRoomMember> members;
        lock (_members)
        {
            members = _members.Values.ToList();
            _members.Clear();
        }

        _node.Log($"Room {Name}: events after {after} up to {upTo} left the log before this server read them; its {members.Count} members here are asked to join again");
        foreach (RedisRoomMember member in members)
        {
            member.Leave();
            _ = LeaveInRedisAsync(member);
            member.Member.Send(ChatProtocol.Error("missed-events", "This server was cut off from the chat's shared store for too long and missed part of the room: join again to catch up."));
            // 1012: the service is restarting; a client joins again (and gets the history), as after any reconnection.
            _ = member.Member.CloseAfterQueuedAsync((CloseStatus)1012, "Missed events: join again", NameLostCloseTimeout);
        }
    }

    /// <summary>A member's join is settled and it is not in the room: it no longer gets events.</summary>
    public void Forget(RedisRoomMember member)
    {
        lock (_members)
        {
            if (_members.TryGetValue(member.Member, out RedisRoomMember? current) && current == member)
            {
                _members.Remove(member.Member);
            }
        }
    }

    private async Task SettleAsync(RedisRoomMember sender, RedisMessagePost post)
    {
        try
        {
            await post.RunAsync().ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            // A bug, not Redis (every Redis failure is settled inside): reported, and the sender's count goes down.
            _node.Log($"Room {Name}: settling a message failed ({RedisFailures.Describe(exception)})");
        }
        finally
        {
            sender.EndMessage();
        }
    }

    /// <summary>A member's name key was gone at the heartbeat: take it again, or, if someone else has it now, cut the member off.</summary>
    private async Task TakeNameAgainAsync(RedisRoomMember member)
    {
        Task<RedisResult> joining;
        lock (_members)
        {
            // Issued under the lock, so a member that is leaving either is gone already (and is not brought back) or has
            // its leave script issued after this one, and Redis runs them in that order.
            if (!_members.ContainsKey(member.Member))
            {
                return;
            }

            joining = RunJoinAsync(member, withHistory: false);
        }

        if ((string?)((RedisResult[])(await joining.ConfigureAwait(false))!)[0] == "joined")
        {
            return;
        }

        Forget(member);
        member.Leave();
        member.Member.Send(ChatProtocol.Error("name-lost", $"Someone else took the name {member.Name} while the chat's shared store was away."));
        // Not awaited: the heartbeat goes on renewing the other members' names while this one's close goes out.
        _ = member.Member.CloseAfterQueuedAsync(CloseStatus.PolicyViolation, "Your name was taken while the chat store was away", NameLostCloseTimeout);
    }

    /// <summary>Starts this room's reader unless it runs already; false if Redis could not be reached (nothing was done).</summary>
    private async ValueTask<bool> TryStartReaderAsync()
    {
        if (Volatile.Read(ref _reader) is not null)
        {
            return true;
        }

        await _starting.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_reader is null && !_released)
            {
                var reader = new RedisRoomReader(_node.Database, _node.Subscriber, Keys, this, _node.PollInterval, _node.Log);
                await reader.StartAsync().ConfigureAwait(false);
                Volatile.Write(ref _reader, reader);
            }

            return _reader is not null;
        }
        catch (Exception exception)
        {
            _node.Log($"Room {Name}: cannot read its events ({RedisFailures.Describe(exception)})");
            return false;
        }
        finally
        {
            _starting.Release();
        }
    }
}
