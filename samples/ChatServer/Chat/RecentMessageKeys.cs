using System;
using System.Collections.Generic;

namespace ChatServer.Chat;

/// <summary>
/// The keys (sender's folded name and message id) of a room's last messages, at most so many, the oldest forgotten first:
/// how a room tells a retried message from a new one. Not thread-safe; its room uses it under its lock.
/// </summary>
internal sealed class RecentMessageKeys
{
    private readonly HashSet<string> _keys = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();
    private readonly int _capacity;

    public RecentMessageKeys(int capacity) => _capacity = capacity;

    /// <summary>The key of the message <paramref name="id"/> from <paramref name="sender"/> (a name as shown, folded here).</summary>
    public static string Of(string sender, string id) => Nickname.Fold(sender) + "\n" + id;

    /// <summary>Remembers <paramref name="key"/>; false if it is among the remembered already.</summary>
    public bool TryAdd(string key)
    {
        if (!_keys.Add(key))
        {
            return false;
        }

        _order.Enqueue(key);
        if (_order.Count > _capacity)
        {
            _keys.Remove(_order.Dequeue());
        }

        return true;
    }
}
