using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace ChatServer.Chat;

/// <summary>
/// The rules for nicknames (PROTOCOL.md, "Names"). A name is shown to everyone in Unicode NFC; it is 1-32 letters, digits,
/// spaces (not at either end), '-', '_' or '.', written in one script; and two names are the same name when their
/// <see cref="Fold"/> keys are equal. The key folds case, compatibility forms and letters drawn like Latin ones, so names
/// people cannot tell apart cannot both be in a room. Both kinds of room compare names by it: the in-memory room keys its
/// members by it (<see cref="Comparer"/>), the Redis room makes it the member's hash field and name key.
/// </summary>
internal static class Nickname
{
    /// <summary>The most characters (Unicode scalar values, after NFC) a name may have.</summary>
    public const int MaxLength = 32;

    // Enough for the marks a letter carries in the scripts that write with them (Thai, Indic, Hebrew points); more is a
    // pile of marks drawn over the neighbours.
    private const int MaxMarksInARow = 3;

    private const char CombiningDotAbove = '\u0307';

    private static readonly string Rules =
        $"A name is 1 to {MaxLength.ToString(CultureInfo.InvariantCulture)} letters, digits, spaces (not at either end), '-', '_' or '.'.";

    /// <summary>Names equal when their <see cref="Fold"/> keys are: the in-memory room's dictionary comparer.</summary>
    public static IEqualityComparer<string> Comparer { get; } = new KeyComparer();

    /// <summary>The name as shown to everyone: <paramref name="name"/> in Unicode NFC (it throws where <see cref="string.Normalize()"/> does).</summary>
    public static string Normalize(string name) => name.Normalize(NormalizationForm.FormC);

    /// <summary>
    /// Checks a requested name: on success <paramref name="name"/> is the name to show (<see cref="Normalize"/>d), otherwise
    /// <paramref name="problem"/> says for people what is wrong with it.
    /// </summary>
    public static bool TryCreate(string? requested, [NotNullWhen(true)] out string? name, [NotNullWhen(false)] out string? problem)
    {
        name = null;
        problem = Rules;
        if (requested is null)
        {
            return false;
        }

        string shown;
        try
        {
            shown = Normalize(requested);
        }
        catch (ArgumentException)
        {
            // What the runtime's normalization holds for no text: a lone surrogate (the parser refuses those before they
            // get here) and the noncharacter U+FFFE, which JSON carries as well as any other.
            return false;
        }

        problem = CharacterProblem(shown) ?? NicknameScripts.MixingProblem(shown.Normalize(NormalizationForm.FormKC));
        if (problem is not null)
        {
            return false;
        }

        name = shown;
        return true;
    }

    /// <summary>
    /// The comparison key of a name (of text <see cref="Normalize"/> takes). It takes, in order: NFKC (fullwidth and mathematical letters to plain ones,
    /// 'ſ' to 's', ligatures apart); the canonical decomposition, so each mark is cased and mapped on its own; the invariant
    /// upper case then lower case (a simple case fold); a full fold the runtime's invariant casing leaves out ('ß' to "ss",
    /// dotless 'ı' and 'i' with a dot above to 'i'); Greek, Cyrillic and Armenian letters drawn like a Latin letter to that
    /// letter, and the digits 0 and 1 to 'o' and 'l'; runs of spaces to one (a page shows them as one); and NFKC again.
    /// Idempotent: a key's key is itself.
    /// </summary>
    public static string Fold(string name)
    {
        string decomposed = name.Normalize(NormalizationForm.FormKD).ToUpperInvariant().ToLowerInvariant();
        var key = new StringBuilder(decomposed.Length);
        foreach (char c in decomposed)
        {
            char last = key.Length > 0 ? key[^1] : '\0';
            if ((c == CombiningDotAbove && last is 'i' or 'j') || (c == ' ' && last == ' '))
            {
                // 'i' and 'j' carry a dot already: one more draws nothing new. Two spaces show as one.
                continue;
            }

            string? folded = LatinLookalike(c);
            if (folded is null)
            {
                key.Append(c);
            }
            else
            {
                key.Append(folded);
            }
        }

        return key.ToString().Normalize(NormalizationForm.FormKC);
    }

    /// <summary>What is wrong with the characters of an NFC name, or null.</summary>
    private static string? CharacterProblem(string name)
    {
        if (name.Length == 0 || name[0] == ' ' || name[^1] == ' ')
        {
            return Rules;
        }

        int count = 0, marks = 0;
        bool afterLetter = false;
        foreach (Rune rune in name.EnumerateRunes())
        {
            count++;
            if (IsInvisible(rune.Value))
            {
                return Rules + " Invisible characters are not allowed.";
            }

            if (Rune.GetUnicodeCategory(rune) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark)
            {
                // A mark belongs to the letter or digit before it (the scripts that need marks write them there).
                if (!afterLetter || marks == MaxMarksInARow)
                {
                    return Rules + $" An accent or other mark goes on a letter, at most {MaxMarksInARow.ToString(CultureInfo.InvariantCulture)} on one.";
                }

                marks++;
                continue;
            }

            marks = 0;
            afterLetter = Rune.IsLetterOrDigit(rune);
            if (!afterLetter && rune.Value is not ('-' or '_' or ' ' or '.'))
            {
                return Rules;
            }
        }

        return count > MaxLength ? Rules : null;
    }

    /// <summary>
    /// Letters and marks that draw nothing (Unicode's default-ignorable ones among those a name could hold): a name with one
    /// looks like the name without it.
    /// </summary>
    private static bool IsInvisible(int value) => value is
        0x034F // combining grapheme joiner
        or 0x115F or 0x1160 or 0x3164 or 0xFFA0 // Hangul fillers
        or 0x17B4 or 0x17B5 // Khmer inherent vowels
        or (>= 0x180B and <= 0x180F) // Mongolian variation selectors
        or (>= 0xFE00 and <= 0xFE0F) or (>= 0xE0100 and <= 0xE01EF); // variation selectors

    /// <summary>
    /// The Latin letters a lower-case, decomposed character is drawn like, or null. Written for this sample from the
    /// letters' shapes, not the whole of Unicode's confusables data: each Greek, Cyrillic or Armenian letter whose capital
    /// or small form looks like a Latin letter maps to it (where the two forms look like different Latin letters, the
    /// capital's, as capitals are drawn identically in most fonts: Greek 'η' to 'h' for 'Η', 'ν' to 'n' for 'Ν').
    /// </summary>
    private static string? LatinLookalike(char c) => c switch
    {
        // The full case folds the runtime's invariant casing leaves out.
        'ß' => "ss",
        'ı' or 'ɩ' => "i",
        // Latin letters drawn like other Latin letters.
        'ɑ' => "a",
        'ɡ' => "g",
        'ȷ' => "j",
        'ĸ' => "k",
        // Digits drawn like letters.
        '0' => "o",
        '1' => "l",
        // Greek.
        'α' => "a",
        'β' => "b",
        'ε' => "e",
        'ζ' => "z",
        'η' => "h",
        'ι' => "i",
        'κ' => "k",
        'μ' => "m",
        'ν' => "n",
        'ο' => "o",
        'ρ' => "p",
        'τ' => "t",
        'υ' => "y",
        'χ' => "x",
        'ϲ' => "c",
        'ϳ' => "j",
        // Cyrillic.
        'а' => "a",
        'в' => "b",
        'ԁ' => "d",
        'е' => "e",
        'һ' or 'н' => "h",
        'і' => "i",
        'ј' => "j",
        'к' => "k",
        'ӏ' => "l",
        'м' => "m",
        'о' => "o",
        'р' => "p",
        'ԛ' => "q",
        'ѕ' => "s",
        'т' => "t",
        'ѵ' => "v",
        'ԝ' => "w",
        'х' => "x",
        'у' or 'ү' => "y",
        'с' => "c",
        // Armenian.
        'ց' => "g",
        'հ' => "h",
        'ո' => "n",
        'օ' => "o",
        'զ' => "q",
        'ս' => "u",
        'ա' => "w",
        _ => null,
    };

    /// <summary>Compares names by their keys; used under a room's lock, on joins and leaves only.</summary>
    private sealed class KeyComparer : IEqualityComparer<string>
    {
        public bool Equals(string? x, string? y) =>
            ReferenceEquals(x, y) || (x is not null && y is not null && string.Equals(Fold(x), Fold(y), StringComparison.Ordinal));

        public int GetHashCode(string name) => StringComparer.Ordinal.GetHashCode(Fold(name));
    }
}
