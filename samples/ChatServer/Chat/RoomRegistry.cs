using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;

namespace ChatServer.Chat;

/// <summary>
/// The rooms by name, made on first use; a room keeps its history while the server runs. Their number is bounded, so
/// clients inventing room names cannot grow the server's memory without end.
/// </summary>
internal sealed class RoomRegistry
{
    private readonly ConcurrentDictionary<string, ChatRoom> _rooms = new();
    private readonly int _historyLimit;
    private readonly int _maxRooms;

    public RoomRegistry(int historyLimit, int maxRooms)
    {
        _historyLimit = historyLimit;
        _maxRooms = maxRooms;
    }

    /// <summary>The room called <paramref name="name"/>, made if there is room for one more; <see langword="null"/> otherwise.</summary>
    public ChatRoom? TryGet(string name)
    {
        if (_rooms.TryGetValue(name, out ChatRoom? room))
        {
            return room;
        }

        // Checked before adding, so a burst of new names may overshoot by the number of racing joins; that is bounded too.
        return _rooms.Count >= _maxRooms ? null : _rooms.GetOrAdd(name, static (key, limit) => new ChatRoom(key, limit), _historyLimit);
    }

    /// <summary>Every member of every room.</summary>
    public IEnumerable<ChatMember> AllMembers() => _rooms.Values.SelectMany(room => room.Members());
}
