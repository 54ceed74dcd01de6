using System;
using System.Globalization;

namespace ChatServer.Chat.Redis;

/// <summary>
/// One event of a room as the room's scripts publish it on the room's channel (and, for messages, keep in its history):
/// lines of text, the kind (<c>m</c>, <c>j</c> or <c>l</c>) then the room's sequence number, then for a message the
/// sender, the time (ISO 8601) and the text (which may hold line breaks, so it comes last), for a join or a leave the name
/// alone (an event's size does not grow with the room). Names cannot hold line breaks (<see cref="Nickname"/>).
/// </summary>
internal sealed record RoomEvent(RoomEventKind Kind, long Sequence, string Name, ChatEntry? Entry)
{
    /// <summary>What the post script gets from the node for a message: everything after the kind and sequence number.</summary>
    public static string MessageBody(ChatEntry entry) =>
        entry.From + "\n" + entry.Time.ToString("O", CultureInfo.InvariantCulture) + "\n" + entry.Text;

    /// <summary>Reads an event; <see langword="null"/> when it is not one (nothing else is published on a room's channel).</summary>
    public static RoomEvent? Parse(string? text)
    {
        string[] lines = text?.Split('\n', 5) ?? [];
        if (lines.Length < 3 || !long.TryParse(lines[1], NumberStyles.None, CultureInfo.InvariantCulture, out long sequence))
        {
            return null;
        }

        switch (lines[0])
        {
            case "m" when lines.Length == 5 && DateTimeOffset.TryParseExact(lines[3], "O", CultureInfo.InvariantCulture, DateTimeStyles.None, out DateTimeOffset time):
                return new RoomEvent(RoomEventKind.Message, sequence, lines[2], new ChatEntry(lines[2], lines[4], time));
            case "j" or "l" when lines.Length == 3:
                return new RoomEvent(lines[0] == "j" ? RoomEventKind.Join : RoomEventKind.Leave, sequence, lines[2], null);
            default:
                return null;
        }
    }

    /// <summary>The event as the chat protocol tells members of it: a <c>message</c> or a <c>presence</c>.</summary>
    public byte[] ToClientJson() => Kind switch
    {
        RoomEventKind.Message => ChatProtocol.Message(Entry!),
        RoomEventKind.Join => ChatProtocol.Presence("join", Name),
        _ => ChatProtocol.Presence("leave", Name),
    };
}
