using System;
using System.Collections.Generic;
using System.Threading;

namespace ChatServer.Chat;

/// <summary>
/// The rooms by name. A room is entered when a member joins it (not when a socket connects) and left when that
/// member's connection ends; the number of rooms with anyone in them is bounded by <c>--max-rooms</c>. A room that
/// empties keeps its history while the history of all such rooms together stays within <c>--max-kept-history</c>
/// messages, the least recently used room's dropped first; rooms that keep nothing here (Redis keeps theirs) are
/// released at once. So connecting to made-up room names costs nothing, and emptied rooms cost a bounded amount.
/// </summary>
internal sealed class RoomRegistry
{
    private readonly Func<string, IChatRoom> _create;
    private readonly int _maxRooms;
    private readonly int _maxKeptMessages;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, OccupiedRoom> _occupied = new(StringComparer.Ordinal);

    // Emptied rooms that keep history, least recently used first.
    private readonly LinkedList<KeptRoom> _kept = new();
    private readonly Dictionary<string, LinkedListNode<KeptRoom>> _keptByName = new(StringComparer.Ordinal);
    private long _keptMessages;

    public RoomRegistry(Func<string, IChatRoom> create, int maxRooms, int maxKeptMessages)
    {
        _create = create;
        _maxRooms = maxRooms;
        _maxKeptMessages = maxKeptMessages;
    }

    /// <summary>Rooms with members (or a join under way).</summary>
    public int OccupiedCount
    {
        get
        {
            lock (_gate)
            {
                return _occupied.Count;
            }
        }
    }

    /// <summary>Members in rooms, joins under way included.</summary>
    public int MemberCount
    {
        get
        {
            lock (_gate)
            {
                int members = 0;
                foreach (OccupiedRoom room in _occupied.Values)
                {
                    members += room.Occupants;
                }

                return members;
            }
        }
    }

    /// <summary>Emptied rooms kept for their history.</summary>
    public int KeptCount
    {
        get
        {
            lock (_gate)
            {
                return _kept.Count;
            }
        }
    }

    /// <summary>
    /// Enters the room called <paramref name="name"/> for one member about to join, making it (or bringing back its kept
    /// history) if needed; <see langword="null"/> when it would be one room too many. Each successful call is matched by
    /// one <see cref="Leave"/>.
    /// </summary>
    public IChatRoom? TryEnter(string name)
    {
        lock (_gate)
        {
            if (_occupied.TryGetValue(name, out OccupiedRoom? occupied))
            {
                occupied.Occupants++;
                return occupied.Room;
            }

            if (_occupied.Count >= _maxRooms)
            {
                return null;
            }

            IChatRoom room;
            if (_keptByName.Remove(name, out LinkedListNode<KeptRoom>? kept))
            {
                _kept.Remove(kept);
                _keptMessages -= kept.Value.Messages;
                room = kept.Value.Room;
            }
            else
            {
                room = _create(name);
            }

            _occupied.Add(name, new OccupiedRoom(room));
            return room;
        }
    }

    /// <summary>One member entered through <see cref="TryEnter"/> has left (or never got in).</summary>
    public void Leave(IChatRoom room)
    {
        List<IChatRoom>? released = null;
        lock (_gate)
        {
            if (!_occupied.TryGetValue(room.Name, out OccupiedRoom? occupied) || occupied.Room != room || --occupied.Occupants > 0)
            {
                return;
            }

            _occupied.Remove(room.Name);
            int messages = room.KeptMessages;
            if (messages == 0 || messages > _maxKeptMessages)
            {
                (released ??= new()).Add(room);
            }
            else
            {
                _keptByName.Add(room.Name, _kept.AddLast(new KeptRoom(room, messages)));
                _keptMessages += messages;
                while (_keptMessages > _maxKeptMessages)
                {
                    KeptRoom oldest = _kept.First!.Value;
                    _kept.RemoveFirst();
                    _keptByName.Remove(oldest.Room.Name);
                    _keptMessages -= oldest.Messages;
                    (released ??= new()).Add(oldest.Room);
                }
            }
        }

        foreach (IChatRoom gone in released ?? [])
        {
            // Outside the lock: a Redis room unsubscribes, which is a round trip.
            _ = gone.ReleaseAsync().AsTask();
        }
    }

    private sealed class OccupiedRoom(IChatRoom room)
    {
        public IChatRoom Room { get; } = room;

        public int Occupants { get; set; } = 1;
    }

    private readonly record struct KeptRoom(IChatRoom Room, int Messages);
}
