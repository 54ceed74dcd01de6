using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace ChatServer.Chat;

/// <summary>
/// The one-script rule for nicknames, after Unicode TR39's "highly restrictive" level: a name's letters come from one
/// script, or from Latin with the scripts Chinese, Japanese and Korean are written in together (Han with Hiragana and
/// Katakana, with Hangul, or with Bopomofo). Digits, space and the punctuation names allow are Common and combining marks
/// Inherited: they go with any script. So 'аlice' (a Cyrillic 'а') is refused, while an all-Cyrillic name is judged by
/// <see cref="Nickname.Fold"/>. .NET has no API for a character's script, so this sample has its own compact table of
/// the main scripts' blocks; a letter outside them is its own script, named by its 128-character block.
/// </summary>
internal static class NicknameScripts
{
    private const string Common = "Common";

    /// <summary>Blocks (first, last code point) and their script, sorted and not overlapping.</summary>
    internal static readonly (int First, int Last, string Script)[] Blocks =
    [
        (0x0041, 0x005A, "Latin"), (0x0061, 0x007A, "Latin"), (0x00AA, 0x00AA, "Latin"), (0x00BA, 0x00BA, "Latin"),
        (0x00C0, 0x02B8, "Latin"), (0x02B9, 0x02FF, Common), // Latin-1 letters, Extended-A and -B, IPA; modifier letters
        (0x0370, 0x03E1, "Greek"), (0x03E2, 0x03EF, "Coptic"), (0x03F0, 0x03FF, "Greek"),
        (0x0400, 0x052F, "Cyrillic"), (0x0530, 0x058F, "Armenian"), (0x0590, 0x05FF, "Hebrew"),
        (0x0600, 0x06FF, "Arabic"), (0x0700, 0x074F, "Syriac"), (0x0750, 0x077F, "Arabic"), (0x0780, 0x07BF, "Thaana"),
        (0x07C0, 0x07FF, "NKo"), (0x0800, 0x083F, "Samaritan"), (0x0840, 0x085F, "Mandaic"), (0x0860, 0x086F, "Syriac"),
        (0x0870, 0x08FF, "Arabic"),
        (0x0900, 0x097F, "Devanagari"), (0x0980, 0x09FF, "Bengali"), (0x0A00, 0x0A7F, "Gurmukhi"), (0x0A80, 0x0AFF, "Gujarati"),
        (0x0B00, 0x0B7F, "Oriya"), (0x0B80, 0x0BFF, "Tamil"), (0x0C00, 0x0C7F, "Telugu"), (0x0C80, 0x0CFF, "Kannada"),
        (0x0D00, 0x0D7F, "Malayalam"), (0x0D80, 0x0DFF, "Sinhala"), (0x0E00, 0x0E7F, "Thai"), (0x0E80, 0x0EFF, "Lao"),
        (0x0F00, 0x0FFF, "Tibetan"), (0x1000, 0x109F, "Myanmar"), (0x10A0, 0x10FF, "Georgian"), (0x1100, 0x11FF, "Hangul"),
        (0x1200, 0x139F, "Ethiopic"), (0x13A0, 0x13FF, "Cherokee"), (0x1400, 0x167F, "Canadian Aboriginal"),
        (0x1680, 0x169F, "Ogham"), (0x16A0, 0x16FF, "Runic"), (0x1780, 0x17FF, "Khmer"), (0x1800, 0x18AF, "Mongolian"),
        (0x18B0, 0x18FF, "Canadian Aboriginal"), (0x1900, 0x194F, "Limbu"), (0x1950, 0x197F, "Tai Le"),
        (0x1980, 0x19DF, "New Tai Lue"), (0x19E0, 0x19FF, "Khmer"), (0x1A00, 0x1A1F, "Buginese"), (0x1A20, 0x1AAF, "Tai Tham"),
        (0x1B00, 0x1B7F, "Balinese"), (0x1B80, 0x1BBF, "Sundanese"), (0x1BC0, 0x1BFF, "Batak"), (0x1C00, 0x1C4F, "Lepcha"),
        (0x1C50, 0x1C7F, "Ol Chiki"), (0x1C80, 0x1C8F, "Cyrillic"), (0x1C90, 0x1CBF, "Georgian"), (0x1CC0, 0x1CCF, "Sundanese"),
        (0x1D00, 0x1DBF, "Latin"), (0x1E00, 0x1EFF, "Latin"), (0x1F00, 0x1FFF, "Greek"),
        (0x2071, 0x2071, "Latin"), (0x207F, 0x207F, "Latin"), (0x2090, 0x209C, "Latin"),
        (0x2C00, 0x2C5F, "Glagolitic"), (0x2C60, 0x2C7F, "Latin"), (0x2C80, 0x2CFF, "Coptic"), (0x2D00, 0x2D2F, "Georgian"),
        (0x2D30, 0x2D7F, "Tifinagh"), (0x2D80, 0x2DDF, "Ethiopic"), (0x2DE0, 0x2DFF, "Cyrillic"),
        (0x3005, 0x3005, "Han"), (0x3007, 0x3007, "Han"), (0x3021, 0x3029, "Han"), (0x3038, 0x303B, "Han"),
        (0x3041, 0x309F, "Hiragana"), (0x30A1, 0x30FF, "Katakana"), (0x3100, 0x312F, "Bopomofo"), (0x3130, 0x318F, "Hangul"),
        (0x31A0, 0x31BF, "Bopomofo"), (0x31F0, 0x31FF, "Katakana"), (0x3400, 0x4DBF, "Han"), (0x4E00, 0x9FFF, "Han"),
        (0xA000, 0xA4CF, "Yi"), (0xA4D0, 0xA4FF, "Lisu"), (0xA500, 0xA63F, "Vai"), (0xA640, 0xA69F, "Cyrillic"),
        (0xA6A0, 0xA6FF, "Bamum"), (0xA722, 0xA7FF, "Latin"), (0xA8E0, 0xA8FF, "Devanagari"), (0xA960, 0xA97F, "Hangul"),
        (0xA980, 0xA9DF, "Javanese"), (0xA9E0, 0xA9FF, "Myanmar"), (0xAA60, 0xAA7F, "Myanmar"), (0xAB00, 0xAB2F, "Ethiopic"),
        (0xAB30, 0xAB64, "Latin"), (0xAB65, 0xAB65, "Greek"), (0xAB66, 0xAB6F, "Latin"), (0xAB70, 0xABBF, "Cherokee"),
        (0xAC00, 0xD7FF, "Hangul"), (0xF900, 0xFAFF, "Han"), (0xFB00, 0xFB06, "Latin"), (0xFB13, 0xFB17, "Armenian"),
        (0xFB1D, 0xFB4F, "Hebrew"), (0xFB50, 0xFDFF, "Arabic"), (0xFE70, 0xFEFF, "Arabic"),
        (0xFF21, 0xFF3A, "Latin"), (0xFF41, 0xFF5A, "Latin"), (0xFF66, 0xFF9D, "Katakana"), (0xFFA0, 0xFFDC, "Hangul"),
        (0x10780, 0x107BF, "Latin"), (0x10EC0, 0x10EFF, "Arabic"), (0x111E0, 0x111FF, "Sinhala"),
        (0x11660, 0x1167F, "Mongolian"), (0x116D0, 0x116FF, "Myanmar"), (0x11AB0, 0x11ABF, "Canadian Aboriginal"),
        (0x11B00, 0x11B5F, "Devanagari"), (0x11FC0, 0x11FFF, "Tamil"), (0x1AFF0, 0x1AFFF, "Katakana"),
        (0x1B000, 0x1B000, "Katakana"), (0x1B001, 0x1B11F, "Hiragana"), (0x1B120, 0x1B122, "Katakana"),
        (0x1B130, 0x1B16F, "Hiragana"), (0x1DF00, 0x1DFFF, "Latin"), (0x1E030, 0x1E08F, "Cyrillic"),
        (0x1E7E0, 0x1E7FF, "Ethiopic"), (0x1EE00, 0x1EEFF, "Arabic"), (0x20000, 0x323AF, "Han"),
    ];

    /// <summary>The sets of scripts a name may mix (TR39's "highly restrictive" level): the writing of Japanese, Chinese and Korean.</summary>
    private static readonly string[][] AllowedTogether =
    [
        ["Latin", "Han", "Hiragana", "Katakana"],
        ["Latin", "Han", "Bopomofo"],
        ["Latin", "Han", "Hangul"],
    ];

    /// <summary>
    /// Why the letters of <paramref name="name"/> (in NFKC, so a fullwidth or mathematical letter counts as the letter it
    /// stands for) break the one-script rule, or null when they keep it.
    /// </summary>
    public static string? MixingProblem(string name)
    {
        var scripts = new List<string>();
        foreach (Rune rune in name.EnumerateRunes())
        {
            string? script = Of(rune);
            if (script is not null && !scripts.Contains(script))
            {
                scripts.Add(script);
            }
        }

        if (scripts.Count <= 1 || Array.Exists(AllowedTogether, allowed => scripts.All(allowed.Contains)))
        {
            return null;
        }

        return $"A name is written in one script (Chinese, Japanese and Korean ones in theirs, with Latin), and this one mixes {string.Join(" and ", scripts)}.";
    }

    /// <summary>The script of a letter or digit; null for what goes with any script (Common and Inherited: digits 0-9, space, punctuation, marks).</summary>
    public static string? Of(Rune rune)
    {
        if (!Rune.IsLetterOrDigit(rune) || rune.IsAscii && Rune.IsDigit(rune))
        {
            return null;
        }

        int value = rune.Value;
        int low = 0, high = Blocks.Length - 1;
        while (low <= high)
        {
            int middle = (low + high) / 2;
            (int first, int last, string script) = Blocks[middle];
            if (value < first)
            {
                high = middle - 1;
            }
            else if (value > last)
            {
                low = middle + 1;
            }
            else
            {
                return script == Common ? null : script;
            }
        }

        int block = value & ~0x7F;
        return string.Create(CultureInfo.InvariantCulture, $"the block at U+{block:X4}");
    }
}
