using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;

namespace ChatServer.Chat;

/// <summary>The rooms by name, made on first use; a room keeps its history while the server runs.</summary>
internal sealed class RoomRegistry
{
    private readonly ConcurrentDictionary<string, ChatRoom> _rooms = new();
    private readonly int _historyLimit;

    public RoomRegistry(int historyLimit) => _historyLimit = historyLimit;

    public ChatRoom Get(string name) => _rooms.GetOrAdd(name, static (key, limit) => new ChatRoom(key, limit), _historyLimit);

    /// <summary>Every member of every room.</summary>
    public IEnumerable<ChatMember> AllMembers() => _rooms.Values.SelectMany(room => room.Members());
}
