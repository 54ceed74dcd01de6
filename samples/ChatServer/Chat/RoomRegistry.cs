using System;
using System.Collections.Concurrent;

namespace ChatServer.Chat;

/// <summary>
/// The rooms by name, made on first use by the factory given (in memory, or shared through Redis); a room is kept while
/// the server runs. Their number is bounded, so clients inventing room names cannot grow the server's memory without end.
/// </summary>
internal sealed class RoomRegistry
{
    private readonly ConcurrentDictionary<string, Lazy<IChatRoom>> _rooms = new();
    private readonly Func<string, IChatRoom> _create;
    private readonly int _maxRooms;

    public RoomRegistry(Func<string, IChatRoom> create, int maxRooms)
    {
        _create = create;
        _maxRooms = maxRooms;
    }

    /// <summary>The room called <paramref name="name"/>, made if there is room for one more; <see langword="null"/> otherwise.</summary>
    public IChatRoom? TryGet(string name)
    {
        if (_rooms.TryGetValue(name, out Lazy<IChatRoom>? room))
        {
            return room.Value;
        }

        // Checked before adding, so a burst of new names may overshoot by the number of racing joins; that is bounded too.
        // Lazy, so that two racing joins make one room, not two of which one is thrown away (a Redis room subscribes).
        return _rooms.Count >= _maxRooms ? null : _rooms.GetOrAdd(name, static (key, create) => new Lazy<IChatRoom>(() => create(key)), _create).Value;
    }
}
