using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using ChatServer.Chat;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace WebSocketProtocol.Tests.Samples;

/// <summary>
/// The chat server's parser of client messages (samples/ChatServer/Chat/ChatProtocol.cs, compiled into this assembly) against
/// arbitrary input: it never throws, nor does what the server does next with what it read, and on JSON objects built here
/// it returns exactly the request the object holds.
/// </summary>
public class ChatProtocolProperties
{
    /// <summary>A JSON value as a test builds it; strings are UTF-16 that may hold lone surrogates.</summary>
    public abstract record Json;

    public sealed record JsonText(string Value) : Json;

    public sealed record JsonLiteral(string Text) : Json;

    public sealed record JsonArray(Json[] Items) : Json;

    public sealed record JsonObject((string Key, Json Value)[] Members) : Json;

    /// <summary>A message: a root value, how it is written (escapes, white space) and what may follow it.</summary>
    public sealed record Message(Json Root, int Seed, string Trailer)
    {
        public override string ToString()
        {
            string json = Encoding.UTF8.GetString(Write(this));
            return (json.Length > 600 ? json[..600] + $"... ({json.Length.ToString(CultureInfo.InvariantCulture)} characters)" : json) + " (seed " + Seed.ToString(CultureInfo.InvariantCulture) + ")";
        }
    }

    private static Gen<string> Chars(int first, int last, Gen<int> length) =>
        from n in length
        from codes in Gen.Choose(first, last).ArrayOf(n)
        select new string(codes.Select(c => (char)c).ToArray());

    /// <summary>Pieces of text: plain ASCII, the protocol's words, control characters, quotes and backslashes, lone and paired surrogates, any BMP character, now and then a huge run.</summary>
    private static readonly Gen<string> Pieces = Gen.Frequency(
        (6, Chars(0x20, 0x7E, Gen.Choose(0, 8))),
        (3, Gen.Elements("type", "name", "text", "join", "message", "alice", " ")),
        (2, Chars(0x00, 0x1F, Gen.Choose(1, 2))),
        (2, Gen.Elements("\"", "\\", "/", "\u007F", "\u2028", "\uFEFF", "\uFFFE", "\uFFFF")),
        (2, Chars(0xD800, 0xDBFF, Gen.Constant(1))),
        (2, Chars(0xDC00, 0xDFFF, Gen.Constant(1))),
        (2, Gen.Choose(0x10000, 0x10FFFF).Select(char.ConvertFromUtf32)),
        (2, Chars(0x80, 0xD7FF, Gen.Choose(1, 3))),
        (1, Chars(0xE000, 0xFFFF, Gen.Choose(1, 3))),
        (1, from length in Gen.Choose(10_000, 60_000) from c in Gen.Elements('x', 'é', '\u4E00') select new string(c, length)));

    private static readonly Gen<string> Strings =
        from n in Gen.Frequency((1, Gen.Constant(0)), (6, Gen.Choose(1, 3)), (2, Gen.Choose(4, 10)))
        from pieces in Pieces.ArrayOf(n)
        select string.Concat(pieces);

    private static readonly Gen<string> Keys = Gen.Frequency(
        (6, Gen.Elements("type", "name", "text", "id")),
        (1, Gen.Elements("Type", "names", "type ", "")),
        (3, Strings));

    private static readonly Gen<Json> Literals = Gen.Elements<Json>(
        new JsonLiteral("1"), new JsonLiteral("-0.5e3"), new JsonLiteral("true"), new JsonLiteral("false"), new JsonLiteral("null"));

    private static Gen<Json> Values(int depth) => depth >= 7
        ? Gen.Frequency((3, Strings.Select(s => (Json)new JsonText(s))), (1, Literals))
        : Gen.Frequency(
            (6, Strings.Select(s => (Json)new JsonText(s))),
            (2, Literals),
            (1, from n in Gen.Choose(0, 3) from items in Values(depth + 1).ArrayOf(n) select (Json)new JsonArray(items)),
            (1, Objects(depth + 1).Select(o => (Json)o)));

    private static Gen<JsonObject> Objects(int depth) =>
        from n in Gen.Choose(0, depth == 1 ? 7 : 3)
        from keys in Keys.ArrayOf(n)
        from values in Values(depth).ArrayOf(n)
        select new JsonObject(keys.Zip(values).ToArray());

    private static readonly Gen<Message> Messages =
        from root in Gen.Frequency((12, Objects(1).Select(o => (Json)o)), (1, Values(1)))
        from seed in Gen.Choose(0, int.MaxValue)
        from trailer in Gen.Frequency((8, Gen.Constant(string.Empty)), (2, Gen.Elements(" ", "\r\n\t ")), (1, Gen.Elements("x", "{}", "]", ",", "\"")))
        select new Message(root, seed, trailer);

    /// <summary>Bytes of JSON tokens, escapes and garbage, in any order: mostly not JSON, now and then nearly or wholly so.</summary>
    private static readonly Gen<byte[]> Fragments =
        from n in Gen.Choose(0, 24)
        from pieces in Gen.Frequency(
            (4, Gen.Elements("{", "}", "[", "]", ":", ",", "\"", "\"type\"", "\"name\"", "\"text\"", "\"join\"", "\"message\"", "1", "null", " ")),
            (2, Gen.Elements("\\ud800", "\\udc00", "\\uD83D\\uDE00", "\\u0000", "\\", "\\u12", "\\x")),
            (2, ArbMap.Default.GeneratorFor<byte[]>().Select(b => Encoding.Latin1.GetString(b ?? [])))).ArrayOf(n)
        select Encoding.Latin1.GetBytes(string.Concat(pieces));

    [Property(MaxTest = 1000)]
    public Property Arbitrary_bytes_never_make_the_parser_throw_and_what_it_reads_can_be_echoed() =>
        Prop.ForAll(
            Gen.Frequency((1, ArbMap.Default.GeneratorFor<byte[]>().Select(b => b ?? [])), (2, Fragments)).ToArbitrary(),
            bytes => ReadsSafely(bytes));

    [Property(MaxTest = 400)]
    public Property Any_json_object_yields_exactly_the_request_it_holds_or_null_and_never_throws() =>
        Prop.ForAll(
            Messages.ToArbitrary(),
            message =>
            {
                byte[] json = Write(message);
                ChatProtocol.Request? expected = Expected(message);
                return ReadsSafely(json) && ChatProtocol.Parse(json) == expected;
            });

    [Property(MaxTest = 400)]
    public Property Json_objects_with_bytes_flipped_cut_or_inserted_never_make_the_parser_throw() =>
        Prop.ForAll(
            Both(Messages, Gen.Choose(0, int.MaxValue)).ToArbitrary(),
            input =>
            {
                var (message, seed) = input;
                var random = new Random(seed);
                var bytes = new List<byte>(Write(message));
                for (int edits = random.Next(1, 4); edits > 0 && bytes.Count > 0; edits--)
                {
                    int at = random.Next(bytes.Count);
                    switch (random.Next(3))
                    {
                        case 0:
                            bytes[at] = (byte)random.Next(256);
                            break;
                        case 1:
                            bytes.RemoveRange(at, bytes.Count - at);
                            break;
                        default:
                            bytes.Insert(at, (byte)random.Next(256));
                            break;
                    }
                }

                return ReadsSafely(bytes.ToArray());
            });

    [Theory]
    [InlineData("{\"type\":\"join\",\"name\":\"\\ud800\"}")]
    [InlineData("{\"type\":\"message\",\"text\":\"\\udc00x\"}")]
    [InlineData("{\"type\":\"\\ud83d\",\"text\":\"hi\"}")]
    [InlineData("{\"type\":\"message\",\"text\":\"hi\"} trailing")]
    public void A_lone_surrogate_in_a_field_or_bytes_after_the_object_make_no_request(string json) =>
        Assert.Null(ChatProtocol.Parse(Encoding.UTF8.GetBytes(json)));

    [Fact]
    public void Lone_surrogates_inside_fields_the_server_skips_do_not_spoil_the_request() =>
        Assert.Equal(
            new ChatProtocol.Request("message", null, "hi \ud83d\ude00", null),
            ChatProtocol.Parse(Encoding.UTF8.GetBytes("{\"\\udfff\":1,\"typ\\ud800\":\"x\",\"other\":\"\\ud800\",\"nested\":{\"\\udc00\":[\"\\ud800\"]},\"type\":\"message\",\"te\\u0078t\":\"hi \\ud83d\\ude00\"}")));

    /// <summary>Parses without throwing; what it reads is well-formed UTF-16 that the server's own messages can carry.</summary>
    private static bool ReadsSafely(byte[] json)
    {
        ChatProtocol.Request? request = ChatProtocol.Parse(json);
        if (request is not { } read)
        {
            return true;
        }

        string[] fields = [read.Type, read.Name ?? string.Empty, read.Text ?? string.Empty, read.Id ?? string.Empty];
        if (!fields.All(IsWellFormed))
        {
            return false;
        }

        // What the endpoint does with them: checks the name, and echoes an error naming the type, a message with the
        // text, a joined naming the name.
        Nickname.TryCreate(read.Name, out _, out _);
        ChatProtocol.Error("bad-request", read.Type);
        string? id = read.Id is { } given && ChatProtocol.IsValidMessageId(given) ? given : null;
        ChatProtocol.Message(new ChatEntry(read.Name ?? "someone", read.Text ?? string.Empty, DateTimeOffset.UnixEpoch, id));
        ChatProtocol.Pending("message", id);
        ChatProtocol.Joined(read.Name ?? "someone", "lobby", [read.Name ?? "someone"]);
        return true;
    }

    /// <summary>
    /// The request PROTOCOL.md says the message holds: null unless one object, at most 4 deep, with a string <c>type</c>;
    /// the last <c>type</c>, <c>name</c>, <c>text</c> and <c>id</c> win, a non-string one counts as absent (an <c>id</c> as
    /// empty, which no valid id is), an object or array one is skipped; one of those four strings that is not Unicode text
    /// (a lone surrogate) spoils the message. Other fields, names that are not Unicode text among them, are ignored.
    /// </summary>
    private static ChatProtocol.Request? Expected(Message message)
    {
        if (message.Root is not JsonObject root || Depth(root) > 4 || message.Trailer.Trim().Length > 0)
        {
            return null;
        }

        string? type = null, name = null, text = null, id = null;
        foreach ((string key, Json value) in root.Members)
        {
            if (key is not ("type" or "name" or "text" or "id") || value is JsonArray or JsonObject)
            {
                continue;
            }

            string? read = value is JsonText { Value: var s } ? s : null;
            if (read is not null && !IsWellFormed(read))
            {
                return null;
            }

            if (key == "type")
            {
                type = read;
            }
            else if (key == "name")
            {
                name = read;
            }
            else if (key == "id")
            {
                id = read ?? string.Empty;
            }
            else
            {
                text = read;
            }
        }

        return type is null ? null : new ChatProtocol.Request(type, name, text, id);
    }

    private static int Depth(Json value) => value switch
    {
        JsonArray array => 1 + array.Items.Select(Depth).DefaultIfEmpty(0).Max(),
        JsonObject obj => 1 + obj.Members.Select(m => Depth(m.Value)).DefaultIfEmpty(0).Max(),
        _ => 0,
    };

    /// <summary>Writes the message as UTF-8 JSON, escaping at random (always the lone surrogates, which UTF-8 cannot carry).</summary>
    private static byte[] Write(Message message)
    {
        var random = new Random(message.Seed);
        var json = new StringBuilder();
        WriteValue(json, message.Root, random);
        json.Append(message.Trailer);
        return Encoding.UTF8.GetBytes(json.ToString());
    }

    private static void WriteValue(StringBuilder json, Json value, Random random)
    {
        Space(json, random);
        switch (value)
        {
            case JsonText text:
                WriteString(json, text.Value, random);
                break;
            case JsonLiteral literal:
                json.Append(literal.Text);
                break;
            case JsonArray array:
                json.Append('[');
                for (int i = 0; i < array.Items.Length; i++)
                {
                    json.Append(i > 0 ? "," : string.Empty);
                    WriteValue(json, array.Items[i], random);
                }

                json.Append(']');
                break;
            case JsonObject obj:
                json.Append('{');
                for (int i = 0; i < obj.Members.Length; i++)
                {
                    json.Append(i > 0 ? "," : string.Empty);
                    Space(json, random);
                    WriteString(json, obj.Members[i].Key, random);
                    Space(json, random);
                    json.Append(':');
                    WriteValue(json, obj.Members[i].Value, random);
                }

                json.Append('}');
                break;
        }

        Space(json, random);
    }

    private static void Space(StringBuilder json, Random random)
    {
        if (random.Next(4) == 0)
        {
            json.Append(" \t\r\n"[random.Next(4)]);
        }
    }

    private static void WriteString(StringBuilder json, string value, Random random)
    {
        json.Append('"');
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            bool pair = char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]);
            if (c is '"' or '\\')
            {
                json.Append('\\').Append(c);
            }
            else if (c < 0x20 || (char.IsSurrogate(c) && !pair) || random.Next(8) == 0)
            {
                // Upper or lower case hex, as JSON allows either.
                json.Append(random.Next(2) == 0 ? "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture) : "\\u" + ((int)c).ToString("X4", CultureInfo.InvariantCulture));
            }
            else if (pair)
            {
                json.Append(c).Append(value[++i]);
            }
            else
            {
                json.Append(c);
            }
        }

        json.Append('"');
    }

    private static bool IsWellFormed(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static Gen<(TA, TB)> Both<TA, TB>(Gen<TA> a, Gen<TB> b) =>
        from x in a
        from y in b
        select (x, y);
}
