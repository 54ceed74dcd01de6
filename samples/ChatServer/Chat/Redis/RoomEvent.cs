using System;
using System.Globalization;

namespace ChatServer.Chat.Redis;

/// <summary>
/// One event of a room as the room's scripts log it (and, for messages, keep in its history): lines of text, the kind
/// (<c>m</c>, <c>j</c> or <c>l</c>) then the room's sequence number, then for a message the sender, the time (ISO 8601),
/// the client's message id (empty without one) and the text (which may hold line breaks, so it comes last), for a join
/// or a leave the name alone (an event's size does not grow with the room). Names and ids cannot hold line breaks
/// (<see cref="Nickname"/>, <see cref="ChatProtocol.IsValidMessageId"/>). <see cref="Previous"/> is the sequence number
/// of the room's event before this one (0 when the room's log started afresh), which the log and the wake-up carry
/// beside the text.
/// </summary>
internal sealed record RoomEvent(RoomEventKind Kind, long Sequence, long Previous, string Name, ChatEntry? Entry)
{
    /// <summary>What the post script gets from the node for a message: everything after the kind and sequence number.</summary>
    public static string MessageBody(ChatEntry entry) =>
        entry.From + "\n" + entry.Time.ToString("O", CultureInfo.InvariantCulture) + "\n" + entry.Id + "\n" + entry.Text;

    /// <summary>Reads an event; <see langword="null"/> when it is not one (nothing else is logged or published for a room).</summary>
    public static RoomEvent? Parse(string? text, long previous)
    {
        string[] lines = text?.Split('\n', 6) ?? [];
        if (lines.Length < 3 || !long.TryParse(lines[1], NumberStyles.None, CultureInfo.InvariantCulture, out long sequence))
        {
            return null;
        }

        switch (lines[0])
        {
            case "m" when lines.Length == 6 && DateTimeOffset.TryParseExact(lines[3], "O", CultureInfo.InvariantCulture, DateTimeStyles.None, out DateTimeOffset time):
                var entry = new ChatEntry(lines[2], lines[5], time, lines[4].Length == 0 ? null : lines[4]);
                return new RoomEvent(RoomEventKind.Message, sequence, previous, lines[2], entry);
            case "j" or "l" when lines.Length == 3:
                return new RoomEvent(lines[0] == "j" ? RoomEventKind.Join : RoomEventKind.Leave, sequence, previous, lines[2], null);
            default:
                return null;
        }
    }

    /// <summary>Reads a wake-up as the scripts publish it: the previous event's number, a line break, the event.</summary>
    public static RoomEvent? ParseWakeUp(string? payload)
    {
        int end = payload?.IndexOf('\n', StringComparison.Ordinal) ?? -1;
        return end > 0 && long.TryParse(payload.AsSpan(0, end), NumberStyles.None, CultureInfo.InvariantCulture, out long previous)
            ? Parse(payload![(end + 1)..], previous)
            : null;
    }

    /// <summary>The event as the chat protocol tells members of it: a <c>message</c> or a <c>presence</c>.</summary>
    public byte[] ToClientJson() => Kind switch
    {
        RoomEventKind.Message => ChatProtocol.Message(Entry!),
        RoomEventKind.Join => ChatProtocol.Presence("join", Name),
        _ => ChatProtocol.Presence("leave", Name),
    };
}
