using System;
using System.Buffers;
using System.Collections.Generic;
using System.Text.Json;

namespace ChatServer.Chat;

/// <summary>
/// The chat's JSON messages (documented in samples/ChatServer/PROTOCOL.md). Clients send <c>join</c>, <c>message</c> and <c>typing</c>;
/// the server sends <c>joined</c>, <c>history</c>, <c>message</c>, <c>presence</c>, <c>pending</c>, <c>duplicate</c> and
/// <c>error</c>; <c>typing</c> goes both ways. Every server message is encoded once, as UTF-8 bytes ready to go in a frame.
/// </summary>
internal static class ChatProtocol
{
    /// <summary>The longest message id a client may give.</summary>
    public const int MaxMessageIdLength = 64;

    /// <summary>
    /// What a client asked for, read from one text message. <see cref="Id"/> is the message's id as given (empty when the
    /// field is there but not a string), <see langword="null"/> without one.
    /// </summary>
    public readonly record struct Request(string Type, string? Name, string? Text, string? Id);

    private enum Field
    {
        Other,
        Type,
        Name,
        Text,
        Id,
    }

    /// <summary>
    /// Reads a client message; <see langword="null"/> when it is not one JSON object with a string <c>type</c>, or when the
    /// string of its <c>type</c>, <c>name</c> or <c>text</c> is not Unicode text. Other fields are ignored. Never throws:
    /// every text message a client can send becomes a request or a <c>bad-request</c>.
    /// </summary>
    public static Request? Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 4 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            string? type = null, name = null, text = null, id = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                Field field = FieldOf(ref reader);
                if (!reader.Read())
                {
                    return null;
                }

                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    reader.Skip();
                    continue;
                }

                if (field == Field.Other)
                {
                    continue;
                }

                string? value = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                switch (field)
                {
                    case Field.Type:
                        type = value;
                        break;
                    case Field.Name:
                        name = value;
                        break;
                    case Field.Id:
                        // Not a string: an id the server cannot echo, refused like a malformed one.
                        id = value ?? string.Empty;
                        break;
                    default:
                        text = value;
                        break;
                }
            }

            // One object and nothing after it: trailing bytes other than white space throw here.
            if (reader.Read())
            {
                return null;
            }

            return type is null ? null : new Request(type, name, text, id);
        }
        catch (JsonException)
        {
            return null;
        }
        catch (InvalidOperationException)
        {
            // GetString of a string that is not Unicode text: an escaped lone surrogate ("\ud800") is valid JSON syntax
            // (RFC 8259 section 8.2 leaves what it means to the reader), but no UTF-16 string can hold it, and echoed to
            // the room Utf8JsonWriter would refuse it. GetString is only called on a string token, so this is its only cause.
            return null;
        }
    }

    /// <summary>Which of the fields the server reads the current property name is, compared unescaped.</summary>
    private static Field FieldOf(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.ValueTextEquals("type"u8) ? Field.Type
                : reader.ValueTextEquals("name"u8) ? Field.Name
                : reader.ValueTextEquals("text"u8) ? Field.Text
                : reader.ValueTextEquals("id"u8) ? Field.Id
                : Field.Other;
        }
        catch (InvalidOperationException)
        {
            // A name with an escaped lone surrogate is no Unicode text, so none of ours: ignored like any unknown field.
            return Field.Other;
        }
    }

    /// <summary>
    /// Whether <paramref name="id"/> may be a message id: 1 to <see cref="MaxMessageIdLength"/> ASCII letters, digits,
    /// <c>-</c> or <c>_</c>, so that it can be echoed, logged and stored as it is.
    /// </summary>
    public static bool IsValidMessageId(string id)
    {
        if (id.Length is 0 or > MaxMessageIdLength)
        {
            return false;
        }

        foreach (char c in id)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_'))
            {
                return false;
            }
        }

        return true;
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

    /// <summary>
    /// An error for this client alone; <paramref name="id"/> names the message it is about, when the client gave one: then
    /// the message was not stored, and will not be.
    /// </summary>
    public static byte[] Error(string code, string message, string? id = null) => Write(writer =>
    {
        writer.WriteString("type", "error");
        writer.WriteString("code", code);
        writer.WriteString("message", message);
        WriteId(writer, id);
    });

    /// <summary>
    /// The server cannot tell yet whether a <paramref name="request"/> (<c>join</c> or <c>message</c>) was done: its shared
    /// store did not answer in time. The final answer follows once it knows.
    /// </summary>
    public static byte[] Pending(string request, string? id) => Write(writer =>
    {
        writer.WriteString("type", "pending");
        writer.WriteString("request", request);
        WriteId(writer, id);
    });

    /// <summary>
    /// <paramref name="name"/> is typing: a hint that lives a few seconds on the page, neither stored nor logged (see
    /// <see cref="TypingNotices"/>).
    /// </summary>
    public static byte[] Typing(string name) => Write(writer =>
    {
        writer.WriteString("type", "typing");
        writer.WriteString("name", name);
    });

    /// <summary>A message with this id from this sender is in the room already; it was not stored again.</summary>
    public static byte[] Duplicate(string id) => Write(writer =>
    {
        writer.WriteString("type", "duplicate");
        writer.WriteString("id", id);
    });

    private static void WriteEntry(Utf8JsonWriter writer, ChatEntry entry)
    {
        writer.WriteString("from", entry.From);
        writer.WriteString("text", entry.Text);
        writer.WriteString("time", entry.Time);
        WriteId(writer, entry.Id);
    }

    private static void WriteId(Utf8JsonWriter writer, string? id)
    {
        if (id is not null)
        {
            writer.WriteString("id", id);
        }
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

/// <summary>
/// One chat line as the room keeps it: sender, text, the server's UTC timestamp (ISO 8601) and the id the sender gave it,
/// if any.
/// </summary>
internal sealed record ChatEntry(string From, string Text, DateTimeOffset Time, string? Id = null);
