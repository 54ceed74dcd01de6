using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Framing;

namespace ChatServer.Chat;

/// <summary>
/// A room held in this process alone: its members by nickname (unique by <see cref="Nickname.Fold"/>), its last
/// messages and the keys of its last messages' ids. Every change and every broadcast happens under one lock, so each
/// member sees the room's events in one order. Nothing here can fail half-way, so every answer is final at once.
/// </summary>
internal sealed class ChatRoom : IChatRoom
{
    private readonly Dictionary<string, ChatMember> _members = new(Nickname.Comparer);
    private readonly Queue<ChatEntry> _history = new();
    private readonly RecentMessageKeys _recentIds;
    private readonly int _historyLimit;

    public ChatRoom(string name, int historyLimit)
    {
        Name = name;
        _historyLimit = historyLimit;
        // As many as the history holds: a retry is recognised across the room's last messages, and a room kept for its
        // history (RoomRegistry) costs no more than its history does.
        _recentIds = new RecentMessageKeys(historyLimit);
    }

    public string Name { get; }

    /// <inheritdoc/>
    public ValueTask<JoinOutcome> JoinAsync(ChatMember member, string name, CancellationToken abandoned) =>
        new(TryJoin(member, name) ? JoinOutcome.Joined : JoinOutcome.NameTaken);

    /// <inheritdoc/>
    public ValueTask LeaveAsync(ChatMember member)
    {
        Leave(member);
        return default;
    }

    /// <inheritdoc/>
    public int KeptMessages
    {
        get
        {
            lock (_members)
            {
                return _history.Count;
            }
        }
    }

    /// <inheritdoc/>
    public ValueTask ReleaseAsync() => default;

    /// <summary>
    /// Adds <paramref name="member"/> as <paramref name="name"/>: it gets <c>joined</c> (with every member's name) and
    /// <c>history</c>, the others a <c>presence</c> join naming the newcomer alone. False if the name is taken.
    /// </summary>
    public bool TryJoin(ChatMember member, string name)
    {
        lock (_members)
        {
            if (!_members.TryAdd(name, member))
            {
                return false;
            }

            member.Name = name;
            string[] names = Names();
            member.Send(ChatProtocol.Joined(name, Name, names));
            member.Send(ChatProtocol.History(_history.ToArray()));
            // Only the change: what each member receives per join stays the same size however large the room is.
            Broadcast(new PreparedFrame(Opcode.Text, ChatProtocol.Presence("join", name)), except: member);
            return true;
        }
    }

    /// <summary>Removes a joined member and tells the others.</summary>
    public void Leave(ChatMember member)
    {
        lock (_members)
        {
            if (member.Name is null || !_members.TryGetValue(member.Name, out ChatMember? current) || current != member)
            {
                return;
            }

            Remove(member);
        }
    }

    /// <summary>
    /// Stamps, records and sends a message to every member, the sender included: encoded once, the same bytes for all. A
    /// message whose id its sender used lately is not posted again; the sender gets <c>duplicate</c>.
    /// </summary>
    public void Post(ChatMember from, string text, string? id)
    {
        lock (_members)
        {
            if (id is not null && !_recentIds.TryAdd(RecentMessageKeys.Of(from.Name!, id)))
            {
                from.Send(ChatProtocol.Duplicate(id));
                return;
            }

            var entry = new ChatEntry(from.Name!, text, DateTimeOffset.UtcNow, id);
            _history.Enqueue(entry);
            while (_history.Count > _historyLimit)
            {
                _history.Dequeue();
            }

            Broadcast(new PreparedFrame(Opcode.Text, ChatProtocol.Message(entry)), except: null);
        }
    }

    /// <inheritdoc/>
    public void Typing(ChatMember from)
    {
        lock (_members)
        {
            if (from.Name is not null && _members.TryGetValue(from.Name, out ChatMember? current) && current == from)
            {
                Broadcast(new PreparedFrame(Opcode.Text, ChatProtocol.Typing(from.Name)), except: from);
            }
        }
    }

    private void Broadcast(PreparedFrame frame, ChatMember? except)
    {
        List<ChatMember>? cutOff = null;
        foreach (ChatMember member in _members.Values)
        {
            if (member != except && !member.Send(frame))
            {
                (cutOff ??= new List<ChatMember>()).Add(member);
            }
        }

        // A member that fell behind leaves the room at once: the others hear of it now, not once its connection is gone.
        foreach (ChatMember member in cutOff ?? Enumerable.Empty<ChatMember>())
        {
            Remove(member);
        }
    }

    private void Remove(ChatMember member)
    {
        if (_members.Remove(member.Name!))
        {
            Broadcast(new PreparedFrame(Opcode.Text, ChatProtocol.Presence("leave", member.Name!)), except: null);
        }
    }

    private string[] Names() => _members.Keys.Order(StringComparer.OrdinalIgnoreCase).ToArray();
}
