using System;
using System.Linq;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using WebSocketProtocol.Text;
using WebSocketProtocol.Tests.Support;
using Xunit;

namespace WebSocketProtocol.Tests.Text;

/// <summary>
/// The vector validator against the byte-at-a-time state machine: every sequence of two and three bytes, and the
/// interesting four-byte ones, placed on each side of a 32-byte block boundary and inside ASCII and non-ASCII blocks.
/// </summary>
public class Utf8SimdValidatorTests
{
    // The buffers hold six 32-byte blocks; the validator skips four ASCII blocks at a time, so the boundaries at 32 and
    // at 128 (after such a group) both matter. These offsets put a sequence before, across and after each of them.
    private const int BufferLength = 192;
    private static readonly int[] Offsets = { 0, 29, 30, 31, 32, 33, 61, 126, 127, 128, 129, 189 };

    private static void AssertAgrees(byte[] buffer)
    {
        bool expected = Utf8Validator.IsValidWholeScalar(buffer);
        if (Utf8SimdValidator.IsValid(buffer) != expected)
        {
            Assert.Fail($"Expected {(expected ? "valid" : "invalid")}: {Convert.ToHexString(buffer)}");
        }
    }

    /// <summary>Filler: ASCII, or a block of two-byte characters that forces the non-ASCII path.</summary>
    private static byte[] Filler(bool nonAscii, int length)
    {
        var buffer = new byte[length];
        for (int i = 0; i < length; i++)
        {
            buffer[i] = nonAscii ? (byte)(i % 2 == 0 ? 0xC3 : 0xA9) : (byte)'a';
        }

        return buffer;
    }

    private static void Place(byte[] buffer, int offset, ReadOnlySpan<byte> sequence, bool nonAscii)
    {
        // Keep the filler valid around the sequence: ASCII on each side, replacing whole filler characters only.
        Filler(nonAscii, buffer.Length).CopyTo(buffer, 0);
        for (int i = offset - 2; i < offset; i++)
        {
            if (i >= 0)
            {
                buffer[i] = (byte)'x';
            }
        }

        for (int i = offset + sequence.Length; i < offset + sequence.Length + 2 && i < buffer.Length; i++)
        {
            buffer[i] = (byte)'y';
        }

        sequence.CopyTo(buffer.AsSpan(offset));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Every_two_byte_sequence_on_each_side_of_a_block_boundary_validates_as_the_state_machine_does(bool nonAscii)
    {
        var buffer = new byte[BufferLength];
        Span<byte> pair = stackalloc byte[2];
        foreach (int offset in Offsets)
        {
            for (int first = 0; first < 256; first++)
            {
                for (int second = 0; second < 256; second++)
                {
                    pair[0] = (byte)first;
                    pair[1] = (byte)second;
                    Place(buffer, offset, pair, nonAscii);
                    AssertAgrees(buffer);
                }
            }
        }
    }

    [Fact]
    public void Every_three_byte_sequence_led_by_a_non_ascii_byte_validates_as_the_state_machine_does()
    {
        var buffer = new byte[BufferLength];
        Span<byte> triple = stackalloc byte[3];
        foreach (int offset in new[] { 30, 31, 127 })
        {
            for (int first = 0x80; first < 256; first++)
            {
                for (int second = 0x70; second < 0xD0; second++)
                {
                    for (int third = 0; third < 256; third++)
                    {
                        triple[0] = (byte)first;
                        triple[1] = (byte)second;
                        triple[2] = (byte)third;
                        Place(buffer, offset, triple, nonAscii: false);
                        AssertAgrees(buffer);
                    }
                }
            }
        }
    }

    [Fact]
    public void Four_byte_sequences_at_every_edge_of_their_ranges_validate_as_the_state_machine_does()
    {
        byte[] leads = { 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xF7, 0xFF };
        byte[] edges = { 0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF };
        var buffer = new byte[BufferLength];
        Span<byte> quad = stackalloc byte[4];
        foreach (int offset in new[] { 0, 29, 30, 31, 32, 126, 127, 128, 188 })
        {
            foreach (byte lead in leads)
            {
                foreach (byte second in edges)
                {
                    foreach (byte third in edges)
                    {
                        foreach (byte fourth in edges)
                        {
                            quad[0] = lead;
                            quad[1] = second;
                            quad[2] = third;
                            quad[3] = fourth;
                            Place(buffer, offset, quad, nonAscii: false);
                            AssertAgrees(buffer);
                            Place(buffer, offset, quad, nonAscii: true);
                            AssertAgrees(buffer);
                        }
                    }
                }
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void A_code_point_cut_short_by_the_end_of_the_input_is_invalid_at_every_length(int cut)
    {
        byte[] emoji = Encoding.UTF8.GetBytes("😀");
        for (int length = 64; length < 200; length++)
        {
            byte[] buffer = Filler(nonAscii: false, length);
            emoji.AsSpan(0, 4 - cut).CopyTo(buffer.AsSpan(length - (4 - cut)));
            Assert.False(Utf8SimdValidator.IsValid(buffer), $"length {length}");
            emoji.CopyTo(buffer.AsSpan(length - 4));
            Assert.True(Utf8SimdValidator.IsValid(buffer), $"length {length}");
        }
    }

    private static readonly Gen<byte[]> MutatedText =
        from parts in Gen.Elements("a", "é", "€", "😀", "\u07ff", "\uffff", "\U0010ffff", "Köln ", "東京").ArrayOf()
        from mutations in Gen.Choose(0, 3)
        from positions in Gen.Choose(0, int.MaxValue).ArrayOf(mutations)
        from values in Gen.Choose(0, 255).ArrayOf(mutations)
        select Mutate(Encoding.UTF8.GetBytes(string.Concat(parts)), positions, values);

    private static byte[] Mutate(byte[] bytes, int[] positions, int[] values)
    {
        for (int i = 0; i < positions.Length && bytes.Length > 0; i++)
        {
            bytes[positions[i] % bytes.Length] = (byte)values[i];
        }

        return bytes;
    }

    [Property(MaxTest = 3000)]
    public Property Long_texts_with_a_few_corrupted_bytes_validate_as_the_platform_and_the_state_machine_do() =>
        Prop.ForAll(
            MutatedText.ToArbitrary(),
            bytes => Utf8SimdValidator.IsValid(bytes) == Utf8Validator.IsValidWholeScalar(bytes)
                && Utf8SimdValidator.IsValid(bytes) == System.Text.Unicode.Utf8.IsValid(bytes));

    [Fact]
    public void Validating_allocates_nothing()
    {
        byte[] text = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("Grüße, 東京, 😀 ok ", 500)));
        bool allValid = true;

        long allocated = SteadyState.AllocatedBytes(() => allValid &= Utf8SimdValidator.IsValid(text), warmup: 1, iterations: 100);

        Assert.True(allValid);
        Assert.Equal(0, allocated);
    }
}
