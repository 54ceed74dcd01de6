using System;
using System.Buffers;
using System.Collections.Generic;
using System.Text.Json;

namespace ChatServer.Chat;

/// <summary>
/// The chat's JSON messages (documented in samples/ChatServer/PROTOCOL.md). Clients send <c>join</c> and <c>message</c>;
/// the server sends <c>joined</c>, <c>history</c>, <c>message</c>, <c>presence</c> and <c>error</c>. Every server message is
/// encoded once, as UTF-8 bytes ready to go in a frame.
/// </summary>
internal static class ChatProtocol
{
    /// <summary>What a client asked for, read from one text message.</summary>
    public readonly record struct Request(string Type, string? Name, string? Text);

    /// <summary>Reads a client message; <see langword="null"/> when it is not a JSON object with a string <c>type</c>.</summary>
    public static Request? Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 4 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            string? type = null, name = null, text = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string property = reader.GetString()!;
                if (!reader.Read())
                {
                    return null;
                }

                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    reader.Skip();
                    continue;
                }

                string? value = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                switch (property)
                {
                    case "type":
                        type = value;
                        break;
                    case "name":
                        name = value;
                        break;
                    case "text":
                        text = value;
                        break;
                }
            }

            return type is null ? null : new Request(type, name, text);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static byte[] Joined(string name, string room, IReadOnlyList<string> members) => Write(writer =>
    {
        writer.WriteString("type", "joined");
        writer.WriteString("name", name);
        writer.WriteString("room", room);
        WriteMembers(writer, members);
    });

    public static byte[] History(IReadOnlyList<ChatEntry> entries) => Write(writer =>
    {
        writer.WriteString("type", "history");
        writer.WriteStartArray("messages");
        foreach (ChatEntry entry in entries)
        {
            writer.WriteStartObject();
            WriteEntry(writer, entry);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    });

    public static byte[] Message(ChatEntry entry) => Write(writer =>
    {
        writer.WriteString("type", "message");
        WriteEntry(writer, entry);
    });

    /// <summary>A member joined or left: the name alone, so a join costs each member the same bytes however many there are.</summary>
    public static byte[] Presence(string change, string name) => Write(writer =>
    {
        writer.WriteString("type", "presence");
        writer.WriteString("event", change);
        writer.WriteString("name", name);
    });

    public static byte[] Error(string code, string message) => Write(writer =>
    {
        writer.WriteString("type", "error");
        writer.WriteString("code", code);
        writer.WriteString("message", message);
    });

    private static void WriteEntry(Utf8JsonWriter writer, ChatEntry entry)
    {
        writer.WriteString("from", entry.From);
        writer.WriteString("text", entry.Text);
        writer.WriteString("time", entry.Time);
    }

    private static void WriteMembers(Utf8JsonWriter writer, IReadOnlyList<string> members)
    {
        writer.WriteStartArray("members");
        foreach (string member in members)
        {
            writer.WriteStringValue(member);
        }

        writer.WriteEndArray();
    }

    private static byte[] Write(Action<Utf8JsonWriter> body)
    {
        var output = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(output))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return output.WrittenSpan.ToArray();
    }
}

/// <summary>One chat line as the room keeps it: sender, text and the server's UTC timestamp (ISO 8601).</summary>
internal sealed record ChatEntry(string From, string Text, DateTimeOffset Time);
