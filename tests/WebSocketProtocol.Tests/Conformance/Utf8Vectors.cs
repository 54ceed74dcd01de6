using System;
using System.Collections.Generic;
using System.Linq;
using static WebSocketProtocol.Tests.Conformance.Wire;

namespace WebSocketProtocol.Tests.Conformance;

/// <summary>A UTF-8 test vector: its bytes, whether RFC 3629 accepts them, and what they probe.</summary>
internal sealed record Utf8Vector(string Id, string Description, byte[] Bytes, bool Valid);

/// <summary>
/// The UTF-8 vectors of sections 6.5 to 6.23, grouped in the spirit of the Autobahn catalogue and built here from the
/// grammar of RFC 3629 section 4: valid text, boundary code points, stray continuation bytes, lone and truncated lead
/// bytes, overlong forms, surrogates, values above U+10FFFF, and noncharacters (which are valid UTF-8).
/// </summary>
internal static class Utf8Vectors
{
    /// <summary>"κόσμε", the usual first sample of valid multi-byte text.</summary>
    public static readonly byte[] Kosme = Hex("ce ba e1 bd b9 cf 83 ce bc ce b5");

    public static IReadOnlyList<Utf8Vector> All { get; } = Build();

    /// <summary>
    /// The index of the first byte at which <paramref name="bytes"/> stops being a prefix of any valid UTF-8 text: where a
    /// fail-fast validator must reject it. <see langword="null"/> when every prefix is fine (the text is valid, or
    /// invalid only because it ends inside a code point).
    /// </summary>
    public static int? FirstBadByte(ReadOnlySpan<byte> bytes)
    {
        int pending = 0;
        byte lower = 0x80, upper = 0xBF;
        for (int i = 0; i < bytes.Length; i++)
        {
            byte b = bytes[i];
            if (pending > 0)
            {
                if (b < lower || b > upper)
                {
                    return i;
                }

                pending--;
                lower = 0x80;
                upper = 0xBF;
                continue;
            }

            // RFC 3629 section 4: which lead bytes exist, and the range of the first continuation byte each allows.
            (pending, lower, upper) = b switch
            {
                <= 0x7F => (0, (byte)0x80, (byte)0xBF),
                >= 0xC2 and <= 0xDF => (1, (byte)0x80, (byte)0xBF),
                0xE0 => (2, (byte)0xA0, (byte)0xBF),
                >= 0xE1 and <= 0xEC => (2, (byte)0x80, (byte)0xBF),
                0xED => (2, (byte)0x80, (byte)0x9F),
                0xEE or 0xEF => (2, (byte)0x80, (byte)0xBF),
                0xF0 => (3, (byte)0x90, (byte)0xBF),
                >= 0xF1 and <= 0xF3 => (3, (byte)0x80, (byte)0xBF),
                0xF4 => (3, (byte)0x80, (byte)0x8F),
                _ => (-1, (byte)0, (byte)0),
            };
            if (pending < 0)
            {
                return i;
            }
        }

        return null;
    }

    /// <summary>Whether <paramref name="bytes"/> is complete, valid UTF-8 by the reference grammar above.</summary>
    public static bool IsValid(ReadOnlySpan<byte> bytes)
    {
        if (FirstBadByte(bytes) is not null)
        {
            return false;
        }

        // No bad byte: valid unless the text ends inside a code point.
        int back = 0;
        for (int i = bytes.Length - 1; i >= 0 && back < 4; i--, back++)
        {
            byte b = bytes[i];
            if ((b & 0xC0) != 0x80)
            {
                int needed = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
                return needed == back + 1;
            }
        }

        return bytes.Length == 0;
    }

    private static List<Utf8Vector> Build()
    {
        var vectors = new List<Utf8Vector>();
        void Group(string group, IEnumerable<(string Description, byte[] Bytes, bool Valid)> items)
        {
            int n = 0;
            foreach ((string description, byte[] bytes, bool valid) in items)
            {
                if (IsValid(bytes) != valid)
                {
                    throw new InvalidOperationException($"Vector {group}.{n + 1} ({description}) is marked {(valid ? "valid" : "invalid")} but the RFC 3629 grammar says otherwise.");
                }

                vectors.Add(new Utf8Vector($"{group}.{++n}", description, bytes, valid));
            }
        }

        Group("6.5", new[]
        {
            ("\"κόσμε\"", Kosme, true),
            ("Latin-1 letters \"Hello-µ@ßöäüàá-UTF-8!!\"", Utf8("Hello-µ@ßöäüàá-UTF-8!!"), true),
            ("1-, 3- and 4-byte code points \"a€𝄞\"", Utf8("a€𝄞"), true),
            ("Japanese \"日本語\"", Utf8("日本語"), true),
            ("NUL bytes between ASCII", Hex("00 78 00"), true),
        });

        // Every prefix of "κόσμε": whole code points are valid, a prefix ending inside one is not.
        Group("6.6", Enumerable.Range(1, Kosme.Length).Select(n =>
            ($"the first {n} byte(s) of \"κόσμε\"", Kosme[..n], n is 2 or 5 or 7 or 9 or 11)));

        Group("6.7", new[]
        {
            ("first 1-byte code point U+0000", Hex("00"), true),
            ("first 2-byte code point U+0080", Hex("c2 80"), true),
            ("first 3-byte code point U+0800", Hex("e0 a0 80"), true),
            ("first 4-byte code point U+10000", Hex("f0 90 80 80"), true),
        });

        Group("6.8", new[]
        {
            ("first 5-byte form (no longer UTF-8)", Hex("f8 88 80 80 80"), false),
            ("first 6-byte form (no longer UTF-8)", Hex("fc 84 80 80 80 80"), false),
        });

        Group("6.9", new[]
        {
            ("last 1-byte code point U+007F", Hex("7f"), true),
            ("last 2-byte code point U+07FF", Hex("df bf"), true),
            ("last 3-byte code point U+FFFF", Hex("ef bf bf"), true),
            ("last code point U+10FFFF", Hex("f4 8f bf bf"), true),
        });

        Group("6.10", new[]
        {
            ("U+110000, one past the last code point", Hex("f4 90 80 80"), false),
            ("last 4-byte form U+1FFFFF", Hex("f7 bf bf bf"), false),
            ("last 5-byte form", Hex("fb bf bf bf bf"), false),
            ("last 6-byte form", Hex("fd bf bf bf bf bf"), false),
        });

        Group("6.11", new[]
        {
            ("U+D7FF, just below the surrogates", Hex("ed 9f bf"), true),
            ("U+E000, just above the surrogates", Hex("ee 80 80"), true),
            ("U+FFFD, the replacement character", Hex("ef bf bd"), true),
            ("U+10FFFF between ASCII", Hex("61 f4 8f bf bf 62"), true),
        });

        Group("6.12", new[]
        {
            ("a lone continuation byte 80", Hex("80"), false),
            ("a lone continuation byte BF", Hex("bf"), false),
            ("2 continuation bytes", Hex("80 bf"), false),
            ("3 continuation bytes", Hex("80 bf 80"), false),
            ("4 continuation bytes", Hex("80 bf 80 bf"), false),
            ("5 continuation bytes", Hex("80 bf 80 bf 80"), false),
            ("6 continuation bytes", Hex("80 bf 80 bf 80 bf"), false),
            ("all 64 continuation bytes 80-BF", Enumerable.Range(0x80, 64).Select(b => (byte)b).ToArray(), false),
            ("a continuation byte after valid text", Concat(Kosme, Hex("80")), false),
        });

        // Lead bytes each followed by a space instead of their continuation bytes.
        static byte[] LeadsThenSpace(int first, int last) => Enumerable.Range(first, last - first + 1).SelectMany(b => new[] { (byte)b, (byte)0x20 }).ToArray();
        Group("6.13", new[]
        {
            ("the 32 2-byte lead bytes C0-DF, each followed by a space", LeadsThenSpace(0xC0, 0xDF), false),
            ("the 30 valid 2-byte lead bytes C2-DF, each followed by a space", LeadsThenSpace(0xC2, 0xDF), false),
            ("the 16 3-byte lead bytes E0-EF, each followed by a space", LeadsThenSpace(0xE0, 0xEF), false),
            ("the 8 4-byte lead bytes F0-F7, each followed by a space", LeadsThenSpace(0xF0, 0xF7), false),
            ("the 4 5-byte lead bytes F8-FB, each followed by a space", LeadsThenSpace(0xF8, 0xFB), false),
            ("the 2 6-byte lead bytes FC-FD, each followed by a space", LeadsThenSpace(0xFC, 0xFD), false),
        });

        Group("6.14", new[]
        {
            ("2-byte form of U+0000 without its last byte (C0)", Hex("c0"), false),
            ("3-byte form of U+0000 without its last byte", Hex("e0 80"), false),
            ("4-byte form of U+0000 without its last byte", Hex("f0 80 80"), false),
            ("5-byte form without its last byte", Hex("f8 80 80 80"), false),
            ("6-byte form without its last byte", Hex("fc 80 80 80 80"), false),
            ("U+07FF without its last byte (text ends inside a code point)", Hex("df"), false),
            ("U+FFFF without its last byte (text ends inside a code point)", Hex("ef bf"), false),
            ("U+1FFFFF form without its last byte", Hex("f7 bf bf"), false),
            ("5-byte maximum without its last byte", Hex("fb bf bf bf"), false),
            ("6-byte maximum without its last byte", Hex("fd bf bf bf bf"), false),
            ("valid text, then a 2-byte code point cut short", Concat(Kosme, Hex("c2")), false),
            ("valid text, then a 3-byte code point cut short", Concat(Utf8("abc"), Hex("e1 80")), false),
            ("valid text, then a 4-byte code point cut short", Concat(Utf8("abc"), Hex("f1 80 80")), false),
        });

        Group("6.15", new[]
        {
            ("the truncated forms of 6.14 one after another", Hex("c0 e0 80 f0 80 80 f8 80 80 80 fc 80 80 80 80 df ef bf f7 bf bf fb bf bf bf fd bf bf bf bf"), false),
        });

        Group("6.16", new[]
        {
            ("the byte FE, never in UTF-8", Hex("fe"), false),
            ("the byte FF, never in UTF-8", Hex("ff"), false),
            ("FE FE FF FF", Hex("fe fe ff ff"), false),
        });

        Group("6.17", new[]
        {
            ("overlong 2-byte '/'", Hex("c0 af"), false),
            ("overlong 3-byte '/'", Hex("e0 80 af"), false),
            ("overlong 4-byte '/'", Hex("f0 80 80 af"), false),
            ("overlong 5-byte '/'", Hex("f8 80 80 80 af"), false),
            ("overlong 6-byte '/'", Hex("fc 80 80 80 80 af"), false),
        });

        Group("6.18", new[]
        {
            ("largest overlong 2-byte form (U+007F)", Hex("c1 bf"), false),
            ("largest overlong 3-byte form (U+07FF)", Hex("e0 9f bf"), false),
            ("largest overlong 4-byte form (U+FFFF)", Hex("f0 8f bf bf"), false),
            ("largest overlong 5-byte form", Hex("f8 87 bf bf bf"), false),
            ("largest overlong 6-byte form", Hex("fc 83 bf bf bf bf"), false),
        });

        Group("6.19", new[]
        {
            ("overlong 2-byte NUL", Hex("c0 80"), false),
            ("overlong 3-byte NUL", Hex("e0 80 80"), false),
            ("overlong 4-byte NUL", Hex("f0 80 80 80"), false),
            ("overlong 5-byte NUL", Hex("f8 80 80 80 80"), false),
            ("overlong 6-byte NUL", Hex("fc 80 80 80 80 80"), false),
        });

        Group("6.20", new[]
        {
            ("lone high surrogate U+D800", Hex("ed a0 80"), false),
            ("lone high surrogate U+DB7F", Hex("ed ad bf"), false),
            ("lone private high surrogate U+DB80", Hex("ed ae 80"), false),
            ("lone private high surrogate U+DBFF", Hex("ed af bf"), false),
            ("lone low surrogate U+DC00", Hex("ed b0 80"), false),
            ("lone low surrogate U+DF80", Hex("ed be 80"), false),
            ("lone low surrogate U+DFFF", Hex("ed bf bf"), false),
        });

        Group("6.21", new[]
        {
            ("surrogate pair U+D800 U+DC00 encoded as two 3-byte forms", Hex("ed a0 80 ed b0 80"), false),
            ("surrogate pair U+D800 U+DFFF", Hex("ed a0 80 ed bf bf"), false),
            ("surrogate pair U+DB7F U+DC00", Hex("ed ad bf ed b0 80"), false),
            ("surrogate pair U+DB7F U+DFFF", Hex("ed ad bf ed bf bf"), false),
            ("surrogate pair U+DB80 U+DC00", Hex("ed ae 80 ed b0 80"), false),
            ("surrogate pair U+DB80 U+DFFF", Hex("ed ae 80 ed bf bf"), false),
            ("surrogate pair U+DBFF U+DC00", Hex("ed af bf ed b0 80"), false),
            ("surrogate pair U+DBFF U+DFFF", Hex("ed af bf ed bf bf"), false),
        });

        Group("6.22", new[]
        {
            ("noncharacter U+FFFE", Hex("ef bf be"), true),
            ("noncharacter U+FFFF", Hex("ef bf bf"), true),
            ("noncharacter U+FDD0", Hex("ef b7 90"), true),
            ("noncharacter U+FDEF", Hex("ef b7 af"), true),
            ("noncharacter U+1FFFE", Hex("f0 9f bf be"), true),
            ("noncharacter U+1FFFF", Hex("f0 9f bf bf"), true),
            ("noncharacter U+2FFFE", Hex("f0 af bf be"), true),
            ("noncharacter U+FFFFE", Hex("f3 bf bf be"), true),
            ("noncharacter U+10FFFE", Hex("f4 8f bf be"), true),
            ("noncharacter U+10FFFF", Hex("f4 8f bf bf"), true),
        });

        Group("6.23", new[]
        {
            ("U+FFFD after ASCII", Hex("61 ef bf bd"), true),
            ("\"κόσμε\", a surrogate, then \"edited\"", Concat(Kosme, Hex("ed a0 80"), Utf8("edited")), false),
            ("\"κόσμε\", U+110000, then \"edited\"", Concat(Kosme, Hex("f4 90 80 80"), Utf8("edited")), false),
            ("4096 ASCII bytes, then FF, then more ASCII (a bad byte deep in a long run)", Concat(AsciiPattern(4096), Hex("ff"), Utf8("tail text")), false),
            ("4096 ASCII bytes ending inside a code point", Concat(AsciiPattern(4096), Hex("e2 82")), false),
            ("4096 bytes of 2-, 3- and 4-byte code points", Utf8(string.Concat(Enumerable.Repeat("µ€𝄞", 4096 / 9))), true),
        });

        return vectors;
    }
}
