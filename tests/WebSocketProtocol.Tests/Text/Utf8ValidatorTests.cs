using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using WebSocketProtocol.Text;
using Xunit;

namespace WebSocketProtocol.Tests.Text;

public class Utf8ValidatorTests
{
    private static readonly UTF8Encoding Strict = new(false, true);

    private static bool IsValidReference(byte[] bytes)
    {
        try
        {
            Strict.GetCharCount(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    /// <summary>The length of the longest prefix a strict decoder could still complete: where a fail-fast validator must stop.</summary>
    private static int FirstBadIndex(byte[] bytes)
    {
        for (int length = 1; length <= bytes.Length; length++)
        {
            var validator = default(Utf8Validator);
            if (!validator.TryValidate(bytes.AsSpan(0, length), isFinal: false))
            {
                return length - 1;
            }
        }

        return -1;
    }

    public static IEnumerable<object[]> Vectors()
    {
        // Valid: ASCII, 2-, 3- and 4-byte forms, the edges of each range.
        yield return new object[] { "48656c6c6f", true };
        yield return new object[] { "cebae1bdb9cf83cebcceb5", true };
        yield return new object[] { "f09f9880", true };
        yield return new object[] { "c280", true };
        yield return new object[] { "dfbf", true };
        yield return new object[] { "e0a080", true };
        yield return new object[] { "ed9fbf", true };
        yield return new object[] { "ee8080", true };
        yield return new object[] { "efbfbf", true };
        yield return new object[] { "f0908080", true };
        yield return new object[] { "f48fbfbf", true };
        yield return new object[] { "", true };

        // Invalid: overlong forms, surrogates, above U+10FFFF, stray and missing continuations, bytes that never appear.
        yield return new object[] { "c080", false };
        yield return new object[] { "c1bf", false };
        yield return new object[] { "e08080", false };
        yield return new object[] { "e09fbf", false };
        yield return new object[] { "eda080", false };
        yield return new object[] { "edbfbf", false };
        yield return new object[] { "f08f8080", false };
        yield return new object[] { "f4908080", false };
        yield return new object[] { "f5808080", false };
        yield return new object[] { "80", false };
        yield return new object[] { "bf", false };
        yield return new object[] { "c2", false };
        yield return new object[] { "e080", false };
        yield return new object[] { "f09080", false };
        yield return new object[] { "fe", false };
        yield return new object[] { "ff", false };
        yield return new object[] { "cebae1bdb9cf83cebcceb5eda080656469746564", false };
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Each_vector_validates_as_RFC_3629_says_split_at_every_position(string hex, bool valid)
    {
        byte[] bytes = Convert.FromHexString(hex);
        Assert.Equal(valid, IsValidReference(bytes));
        Assert.Equal(valid, Utf8Validator.IsValid(bytes));
        Assert.Equal(valid, Utf8Validator.IsValidWholeScalar(bytes));

        for (int split = 0; split <= bytes.Length; split++)
        {
            for (int second = split; second <= bytes.Length; second++)
            {
                var validator = default(Utf8Validator);
                bool result = validator.TryValidate(bytes.AsSpan(0, split), false)
                    && validator.TryValidate(bytes.AsSpan(split, second - split), false)
                    && validator.TryValidate(bytes.AsSpan(second), true);
                Assert.Equal(valid, result);
            }
        }
    }

    [Theory]
    [InlineData("f4", "90808080", 0)]
    [InlineData("ed", "a080", 0)]
    [InlineData("e0", "80", 0)]
    [InlineData("cebae1bdb9cf83cebcceb5", "f4908080656469746564", 1)]
    public void An_invalid_byte_fails_the_fragment_it_arrives_in_even_inside_a_split_code_point(string first, string second, int failingByte)
    {
        byte[] a = Convert.FromHexString(first);
        byte[] b = Convert.FromHexString(second);
        var validator = default(Utf8Validator);

        Assert.True(validator.TryValidate(a, isFinal: false));
        // Only the bytes up to and including the bad one arrive: the failure must not wait for more.
        Assert.False(validator.TryValidate(b.AsSpan(0, failingByte + 1), isFinal: false));
    }

    [Fact]
    public void A_message_ending_inside_a_code_point_is_invalid_only_when_final()
    {
        var validator = default(Utf8Validator);

        Assert.True(validator.TryValidate(new byte[] { 0xF0, 0x9F }, isFinal: false));
        Assert.False(validator.IsComplete);
        Assert.True(validator.TryValidate(new byte[] { 0x98 }, isFinal: false));
        Assert.False(validator.TryValidate(ReadOnlySpan<byte>.Empty, isFinal: true));
        validator.Reset();
        Assert.True(validator.IsComplete);
    }

    private static readonly Gen<byte[]> MostlyText =
        Gen.Frequency(
            (3, Gen.Elements("a", "é", "€", "😀", "\u07ff", "\uffff", "\U0010ffff").ArrayOf().Select(parts => Encoding.UTF8.GetBytes(string.Concat(parts)))),
            (1, ArbMap.Default.GeneratorFor<byte[]>().Select(b => b ?? Array.Empty<byte>())));

    [Property(MaxTest = 1000)]
    public Property Any_bytes_in_any_fragmentation_validate_like_a_strict_decoder_and_fail_at_the_first_bad_byte() =>
        Prop.ForAll(
            (from bytes in MostlyText
             from cuts in Gen.Choose(0, 64).ArrayOf()
             select (bytes, cuts)).ToArbitrary(),
            input =>
            {
                var (bytes, cuts) = input;
                bool expected = IsValidReference(bytes);
                var validator = default(Utf8Validator);
                int position = 0;
                bool ok = true;
                foreach (int cut in cuts.Append(int.MaxValue))
                {
                    int take = Math.Min(cut, bytes.Length - position);
                    bool final = position + take == bytes.Length;
                    if (!validator.TryValidate(bytes.AsSpan(position, take), final))
                    {
                        ok = false;
                        break;
                    }

                    position += take;
                    if (final)
                    {
                        break;
                    }
                }

                int firstBad = FirstBadIndex(bytes);
                bool failFastConsistent = expected ? firstBad < 0 : (firstBad >= 0 || !Utf8Validator.IsValid(bytes));
                return ok == expected && failFastConsistent && Utf8Validator.IsValidWholeScalar(bytes) == expected;
            });

    [Fact]
    public void Validating_a_large_text_allocates_nothing()
    {
        byte[] text = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("héllo wörld € 😀 ", 4000)));
        var validator = default(Utf8Validator);
        validator.TryValidate(text, true);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++)
        {
            validator.Reset();
            if (!validator.TryValidate(text.AsSpan(0, 1001), false) || !validator.TryValidate(text.AsSpan(1001), true))
            {
                throw new InvalidOperationException("Valid text refused.");
            }
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
