using System;
using System.Linq;
using System.Text;
using ChatServer.Chat;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace WebSocketProtocol.Tests.Samples;

/// <summary>
/// The chat's nickname rules (samples/ChatServer/Chat/Nickname.cs and NicknameScripts.cs, compiled into this assembly):
/// which names are refused, which ones share a key (and so cannot both be in a room), and that the key is stable.
/// </summary>
public class NicknameTests
{
    private const string HangulComposed = "\uD55C\uAE00"; // 한글 in NFC: two syllables
    private const string HangulDecomposed = "\u1112\u1161\u11AB\u1100\u1173\u11AF"; // the same in NFD: six jamo

    [Theory]
    [InlineData("ａｌｉｃｅ")] // fullwidth
    [InlineData("𝐚𝐥𝐢𝐜𝐞")] // mathematical bold
    [InlineData("alıce")] // dotless i
    [InlineData("ALİCE")] // capital I with a dot
    [InlineData("ALICE")]
    public void A_look_alike_of_alice_in_one_script_is_a_valid_name_with_the_key_of_alice(string name)
    {
        Assert.True(Nickname.TryCreate(name, out string? shown, out string? problem), problem);
        Assert.Equal(name.Normalize(NormalizationForm.FormC), shown);
        Assert.Equal("alice", Nickname.Fold(shown));
    }

    [Fact]
    public void Alice_with_a_cyrillic_a_is_refused_for_mixing_scripts()
    {
        Assert.False(Nickname.TryCreate("аlice", out _, out string? problem));
        Assert.Contains("Cyrillic and Latin", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("росо", "poco")] // Cyrillic
    [InlineData("ВОХ", "box")] // Cyrillic capitals
    [InlineData("ΡΟΡΕ", "pope")] // Greek capitals
    [InlineData("ſam", "sam")] // long s
    [InlineData("b0b", "bob")] // digit zero
    [InlineData("Bi11", "Bill")] // digit one
    [InlineData("Straße", "STRASSE")]
    [InlineData("a  b", "a b")] // a page shows two spaces as one
    public void Names_in_one_script_drawn_like_another_name_share_its_key(string name, string lookalike)
    {
        Assert.True(Nickname.TryCreate(name, out _, out string? problem), problem);
        Assert.True(Nickname.TryCreate(lookalike, out _, out problem), problem);
        Assert.Equal(Nickname.Fold(lookalike), Nickname.Fold(name));
        Assert.True(Nickname.Comparer.Equals(name, lookalike));
        Assert.Equal(Nickname.Comparer.GetHashCode(lookalike), Nickname.Comparer.GetHashCode(name));
    }

    [Fact]
    public void A_hangul_name_in_nfd_is_shown_in_nfc_and_has_the_key_of_its_nfc_form()
    {
        Assert.NotEqual(HangulComposed, HangulDecomposed);
        Assert.True(Nickname.TryCreate(HangulDecomposed, out string? shown, out string? problem), problem);
        Assert.Equal(HangulComposed, shown);
        Assert.Equal(Nickname.Fold(HangulComposed), Nickname.Fold(HangulDecomposed));
        Assert.True(Nickname.Comparer.Equals(HangulComposed, HangulDecomposed));
    }

    [Theory]
    [InlineData("Zoë")]
    [InlineData("Zoe 2")]
    [InlineData("jean-luc_picard.2")]
    [InlineData("Ελένη")]
    [InlineData("Дмитрий")]
    [InlineData(HangulComposed)]
    [InlineData("田中さん")] // Han and Hiragana
    [InlineData("Tanaka 田中")] // Latin and Han
    [InlineData("ルーク")] // Katakana with its long-vowel mark
    [InlineData("अनिल")] // Devanagari, with a vowel sign (a combining mark)
    [InlineData("สมชาย")] // Thai
    [InlineData("שלום")]
    [InlineData("محمد")]
    [InlineData("მარიამ")]
    [InlineData("Ünal Çelik")]
    public void Names_in_one_script_or_the_cjk_mixes_are_valid(string name) =>
        Assert.True(Nickname.TryCreate(name, out _, out string? problem), problem);

    [Theory]
    [InlineData("")]
    [InlineData(" padded")]
    [InlineData("padded ")]
    [InlineData("tab\tbed")]
    [InlineData("a@b")]
    [InlineData("x\u0332\u0332\u0332\u0332")] // four marks on one letter
    [InlineData("\u0301accent")] // a mark on nothing
    [InlineData("al\u034Fice")] // a combining grapheme joiner, which draws nothing
    [InlineData("\u3164")] // a Hangul filler: a letter that draws nothing
    [InlineData("alice\uFE0F")] // a variation selector
    [InlineData("Ivan Иван")] // Latin and Cyrillic
    [InlineData("Ελένη Дмитрий")] // Greek and Cyrillic
    [InlineData("한글 さん")] // Hangul and Hiragana
    [InlineData("al\uD800ice")] // not Unicode text
    [InlineData("al\uFFFEice")] // a noncharacter the runtime will not normalize
    public void Names_that_break_a_rule_are_refused_with_a_reason(string name)
    {
        Assert.False(Nickname.TryCreate(name, out string? shown, out string? problem));
        Assert.Null(shown);
        Assert.False(string.IsNullOrEmpty(problem));
    }

    [Fact]
    public void The_length_limit_counts_characters_not_utf16_units()
    {
        Assert.True(Nickname.TryCreate(new string('x', 32), out _, out _));
        Assert.False(Nickname.TryCreate(new string('x', 33), out _, out _));
        Assert.True(Nickname.TryCreate(string.Concat(Enumerable.Repeat("𝐚", 32)), out _, out _));
        Assert.False(Nickname.TryCreate(string.Concat(Enumerable.Repeat("𝐚", 33)), out _, out _));
    }

    [Fact]
    public void The_script_table_is_sorted_and_its_blocks_do_not_overlap()
    {
        var blocks = NicknameScripts.Blocks;
        Assert.All(blocks, b => Assert.True(b.First <= b.Last, $"U+{b.First:X4}"));
        Assert.All(blocks.Zip(blocks.Skip(1)), pair => Assert.True(pair.First.Last < pair.Second.First, $"U+{pair.Second.First:X4}"));
    }

    [Fact]
    public void The_key_of_every_single_character_is_its_own_key()
    {
        var broken = new StringBuilder();
        for (int value = 0; value <= 0x10FFFF; value++)
        {
            // Surrogates are no characters; U+FFFE is one the runtime will not normalize (and no name holds).
            if (value is (>= 0xD800 and <= 0xDFFF) or 0xFFFE)
            {
                continue;
            }

            string key = Nickname.Fold(char.ConvertFromUtf32(value));
            if (Nickname.Fold(key) != key && broken.Length < 400)
            {
                broken.Append($"U+{value:X4} ");
            }
        }

        Assert.True(broken.Length == 0, broken.ToString());
    }

    /// <summary>Text from the scripts names are written in, with the characters that make folding hard.</summary>
    private static readonly Gen<string> Names =
        from n in Gen.Choose(1, 8)
        from pieces in Gen.Frequency(
            (4, Gen.Elements("a", "I", "i", "l", "o", "S", "s", "0", "1", " ", "-", "é", "e\u0301", "ß", "ẞ", "ı", "İ", "ſ", "ǅ", "ﬁ", "K", "Å")),
            (2, Gen.Elements("ΐ", "ᾳ", "\u0345", "ς", "Σ", "Ω", "ο", "ν", "Ρ")),
            (2, Gen.Elements("а", "А", "ё", "Ё", "й", "ї", "Ӏ", "ӏ", "н", "В")),
            (2, Gen.Elements(HangulComposed, HangulDecomposed, "\u1100", "\u1161", "\u11A8", "ᄀ")),
            (2, Gen.Elements("ａ", "Ａ", "𝐚", "𝔄", "ℌ", "①", "㍿", "ﷺ", "ǰ", "J\u030C", "\u0307", "\u0308", "\u0332")),
            (3, Gen.Choose(0x20, 0xD7FF).Select(c => ((char)c).ToString())),
            (1, Gen.Choose(0xE000, 0xFFFD).Select(c => ((char)c).ToString())), // not U+FFFE, which the runtime will not normalize
            (1, Gen.Choose(0x10000, 0x10FFFF).Select(char.ConvertFromUtf32))).ArrayOf(n)
        select string.Concat(pieces);

    [Property(MaxTest = 1000)]
    public Property The_key_of_a_key_is_itself() =>
        Prop.ForAll(Names.ToArbitrary(), name => Nickname.Fold(Nickname.Fold(name)) == Nickname.Fold(name));

    [Property(MaxTest = 1000)]
    public Property A_name_in_nfd_and_in_nfc_is_one_name_with_one_key() =>
        Prop.ForAll(
            Names.ToArbitrary(),
            name =>
            {
                string decomposed = name.Normalize(NormalizationForm.FormD), composed = name.Normalize(NormalizationForm.FormC);
                bool sameOutcome = Nickname.TryCreate(decomposed, out string? fromDecomposed, out _) == Nickname.TryCreate(composed, out string? fromComposed, out _)
                    && fromDecomposed == fromComposed;
                return sameOutcome
                    && Nickname.Fold(Nickname.Normalize(decomposed)) == Nickname.Fold(Nickname.Normalize(composed))
                    && Nickname.Fold(decomposed) == Nickname.Fold(composed);
            });

    /// <summary>
    /// Typed in capitals or small letters, a name has the key it has as typed, once the server has normalized each. (On
    /// text that is not normalized casing can move a mark: U+0345 sorts after other marks, but its capital is a letter.)
    /// </summary>
    [Property(MaxTest = 1000)]
    public Property A_name_in_capitals_or_small_letters_has_the_key_of_the_name() =>
        Prop.ForAll(
            Names.ToArbitrary(),
            typed =>
            {
                string name = Nickname.Normalize(typed);
                string key = Nickname.Fold(name);
                return Nickname.Fold(Nickname.Normalize(name.ToUpperInvariant())) == key && Nickname.Fold(Nickname.Normalize(name.ToLowerInvariant())) == key;
            });
}
