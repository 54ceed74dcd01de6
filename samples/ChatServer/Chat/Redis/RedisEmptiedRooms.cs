using System;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace ChatServer.Chat.Redis;

/// <summary>
/// The rooms everyone on every server has left, counted in Redis: their history is kept while the messages of all of
/// them together stay within <c>--max-kept-history</c>, the room emptied least recently forgotten first. Both calls
/// survive any failure (logged): the cost of one is a room counted a little too long or not at all.
/// </summary>
internal static class RedisEmptiedRooms
{
    /// <summary>
    /// <paramref name="room"/> is empty and keeps <paramref name="messages"/>: it joins the emptied rooms, and the least
    /// recently emptied ones past the limit are forgotten (their history, log, message ids and counter dropped).
    /// </summary>
    public static async Task MarkEmptiedAsync(RedisChatNode node, string room, long messages)
    {
        try
        {
            RedisResult dropped = await node.Database.ScriptEvaluateAsync(
                RedisChatScripts.MarkEmptied,
                [RedisRoomKeys.EmptiedRooms, RedisRoomKeys.EmptiedSizes, RedisRoomKeys.EmptiedTotal],
                [room, messages, node.MaxKeptHistory, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()]).ConfigureAwait(false);
            foreach (string forgotten in (string[])dropped!)
            {
                var keys = new RedisRoomKeys(forgotten);
                await node.Database.ScriptEvaluateAsync(RedisChatScripts.Forget, [keys.Members, keys.History, keys.Sequence, keys.Log, keys.MessageIds]).ConfigureAwait(false);
            }
        }
        catch (Exception exception)
        {
            // The room is not counted among the emptied: its history stays until someone leaves it empty again.
            node.Log($"Room {room}: marking it emptied failed ({RedisFailures.Describe(exception)})");
        }
    }

    /// <summary><paramref name="room"/> has a member again: it no longer counts among the emptied.</summary>
    public static async Task MarkOccupiedAsync(RedisChatNode node, string room)
    {
        try
        {
            await node.Database.ScriptEvaluateAsync(
                RedisChatScripts.MarkOccupied,
                [RedisRoomKeys.EmptiedRooms, RedisRoomKeys.EmptiedSizes, RedisRoomKeys.EmptiedTotal],
                [room]).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            // The room stays counted as emptied; the most it costs is being forgotten while occupied, which Forget refuses.
            node.Log($"Room {room}: marking it occupied failed ({RedisFailures.Describe(exception)})");
        }
    }
}
