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
/// capped list there, and every change is a script that also publishes an event with the room's next sequence number on
/// the room's channel. This server subscribes once per room and delivers to its own members only what comes back on that
/// subscription, in the order it comes, never straight from the sender: so each member of each server gets each event
/// once, in the order Redis published it.
/// </summary>
internal sealed class RedisChatRoom : IChatRoom, IPresenceHeartbeatTarget
{
    private static readonly TimeSpan NameLostCloseTimeout = TimeSpan.FromSeconds(2);

    private readonly RedisChatNode _node;
    private readonly RedisRoomKeys _keys;
    private readonly RedisValue _presenceTtl;
    private readonly Dictionary<ChatMember, RedisRoomMember> _members = new();
    private readonly SemaphoreSlim _subscribing = new(1, 1);
    private ChannelMessageQueue? _events;
    private long _lastSequence;

    public RedisChatRoom(string name, RedisChatNode node)
    {
        Name = name;
        _node = node;
        _keys = new RedisRoomKeys(name);
        _presenceTtl = (long)node.PresenceTtl.TotalMilliseconds;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public int KeptMessages => 0;

    /// <inheritdoc/>
    public async ValueTask<JoinOutcome> JoinAsync(ChatMember member, string name)
    {
        // Subscribed before the join script runs, so every event after the join reaches this server.
        if (!await TrySubscribeAsync().ConfigureAwait(false))
        {
            return JoinOutcome.Unavailable;
        }

        var local = new RedisRoomMember(member, name, _node.NewToken());
        lock (_members)
        {
            _members.Add(member, local);
        }

        RedisResult result;
        try
        {
            result = await RunJoinAsync(local, withHistory: true).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            Forget(member);
            return JoinOutcome.Unavailable;
        }

        if (result.IsNull)
        {
            Forget(member);
            return JoinOutcome.NameTaken;
        }

        RedisResult[] parts = (RedisResult[])result!;
        long sequence = long.Parse((string)parts[0]!, NumberStyles.None, CultureInfo.InvariantCulture);
        string[] names = ((string[])parts[1]!).Order(StringComparer.OrdinalIgnoreCase).ToArray();
        ChatEntry[] history = ((RedisValue[])parts[2]!).Select(e => RoomEvent.Parse(e)?.Entry).OfType<ChatEntry>().ToArray();
        member.Name = name;
        bool keptUp;
        lock (_members)
        {
            member.Send(ChatProtocol.Joined(name, Name, names));
            member.Send(ChatProtocol.History(history));
            keptUp = local.Activate(sequence);
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
        _ = MarkOccupiedAsync();
        return JoinOutcome.Joined;
    }

    /// <inheritdoc/>
    public void Post(ChatMember from, string text)
    {
        var entry = new ChatEntry(from.Name!, text, DateTimeOffset.UtcNow);
        // Not awaited: the connection pipelines commands in the order they are issued, so one sender's messages keep their
        // order while the receive loop goes on reading. The sender sees its message when it comes back on the channel.
        _ = PostAsync(from, entry);
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

        await LeaveInRedisAsync(local).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask ReleaseAsync()
    {
        _node.Forget(this);
        ChannelMessageQueue? events = Interlocked.Exchange(ref _events, null);
        if (events is null)
        {
            return;
        }

        try
        {
            // This queue's subscription only: a newer object for the same room keeps its own.
            await events.UnsubscribeAsync().ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            // Redis is away; the subscription goes with the connection, and is not made again for a queue unsubscribed.
        }
    }

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
                var arguments = new List<RedisValue>(2 + (joined.Count * 2)) { _keys.NamePrefix, _presenceTtl };
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

            if (_events is not null)
            {
                await _node.Database.ScriptEvaluateAsync(RedisChatScripts.Reap, [_keys.Members, _keys.Sequence], [_keys.EventsName, _keys.NamePrefix]).ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            // Redis is away: names keep their TTL; when it comes back the node runs a beat at once.
        }
    }

    private async Task PostAsync(ChatMember from, ChatEntry entry)
    {
        try
        {
            await _node.Database.ScriptEvaluateAsync(
                RedisChatScripts.Post,
                [_keys.Sequence, _keys.History],
                [_keys.EventsName, RoomEvent.MessageBody(entry), _node.HistoryLimit]).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            from.Send(ChatProtocol.Error("unavailable", "The chat cannot reach its shared store right now: that message was not sent."));
        }
    }

    private Task<RedisResult> RunJoinAsync(RedisRoomMember member, bool withHistory) =>
        _node.Database.ScriptEvaluateAsync(
            RedisChatScripts.Join,
            [_keys.Name(member.Field), _keys.Members, _keys.Sequence, _keys.History],
            [_keys.EventsName, member.Token, _presenceTtl, member.Name, member.Field, withHistory ? "1" : "0"]);

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

        if (!(await joining.ConfigureAwait(false)).IsNull)
        {
            return;
        }

        Forget(member.Member);
        member.Member.Send(ChatProtocol.Error("name-lost", $"Someone else took the name {member.Name} while the chat's shared store was away."));
        // Not awaited: the heartbeat goes on renewing the other members' names while this one's close goes out.
        _ = member.Member.CloseAfterQueuedAsync(CloseStatus.PolicyViolation, "Your name was taken while the chat store was away", NameLostCloseTimeout);
    }

    private async Task LeaveInRedisAsync(RedisRoomMember member)
    {
        if (!member.IsJoined)
        {
            return;
        }

        try
        {
            var result = (RedisResult[])(await _node.Database.ScriptEvaluateAsync(
                RedisChatScripts.Leave,
                [_keys.Name(member.Field), _keys.Members, _keys.Sequence, _keys.History],
                [_keys.EventsName, member.Token, member.Field]).ConfigureAwait(false))!;
            long left = (long)result[1];
            long kept = (long)result[2];
            if (left == 0 && kept > 0)
            {
                await MarkEmptiedAsync(kept).ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            // The name expires after the presence TTL, and the first heartbeat after that tells the room.
        }
    }

    /// <summary>
    /// The room is empty and keeps <paramref name="messages"/>: it joins the emptied rooms, and the least recently emptied
    /// ones past the limit on their messages together are forgotten (their history and counter dropped).
    /// </summary>
    private async Task MarkEmptiedAsync(long messages)
    {
        RedisResult dropped = await _node.Database.ScriptEvaluateAsync(
            RedisChatScripts.MarkEmptied,
            [RedisRoomKeys.EmptiedRooms, RedisRoomKeys.EmptiedSizes, RedisRoomKeys.EmptiedTotal],
            [Name, messages, _node.MaxKeptHistory, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()]).ConfigureAwait(false);
        foreach (string room in (string[])dropped!)
        {
            var keys = new RedisRoomKeys(room);
            await _node.Database.ScriptEvaluateAsync(RedisChatScripts.Forget, [keys.Members, keys.History, keys.Sequence]).ConfigureAwait(false);
        }
    }

    private async Task MarkOccupiedAsync()
    {
        try
        {
            await _node.Database.ScriptEvaluateAsync(
                RedisChatScripts.MarkOccupied,
                [RedisRoomKeys.EmptiedRooms, RedisRoomKeys.EmptiedSizes, RedisRoomKeys.EmptiedTotal],
                [Name]).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            // The room stays counted as emptied; the most it costs is being forgotten while occupied, which Forget refuses.
        }
    }

    private void Forget(ChatMember member)
    {
        lock (_members)
        {
            _members.Remove(member);
        }
    }

    /// <summary>Subscribes to the room's channel unless already subscribed (the connection re-subscribes by itself after a loss).</summary>
    private async ValueTask<bool> TrySubscribeAsync()
    {
        if (Volatile.Read(ref _events) is not null)
        {
            return true;
        }

        await _subscribing.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_events is null)
            {
                ChannelMessageQueue events = await _node.Subscriber.SubscribeAsync(_keys.Events).ConfigureAwait(false);
                // One at a time, in the order they came: that order is Redis's publish order.
                events.OnMessage(Deliver);
                Volatile.Write(ref _events, events);
            }

            return true;
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            return false;
        }
        finally
        {
            _subscribing.Release();
        }
    }

    private void Deliver(ChannelMessage message)
    {
        RoomEvent? received = RoomEvent.Parse(message.Message);
        if (received is null)
        {
            return;
        }

        // Encoded once for every member of this server.
        var frame = new PreparedFrame(Opcode.Text, received.ToClientJson());
        List<RedisRoomMember>? cutOff = null;
        lock (_members)
        {
            // A number already seen is a repeat (sequence numbers only grow, across Redis restarts too).
            if (received.Sequence <= _lastSequence)
            {
                return;
            }

            _lastSequence = received.Sequence;
            foreach (RedisRoomMember member in _members.Values)
            {
                // A joiner hears of itself through joined, not presence (as on one server).
                bool itself = received.Kind == RoomEventKind.Join && string.Equals(member.Name, received.Name, StringComparison.OrdinalIgnoreCase);
                if (!itself && !member.Deliver(received.Sequence, frame))
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
            _ = LeaveInRedisAsync(member);
        }
    }
}
