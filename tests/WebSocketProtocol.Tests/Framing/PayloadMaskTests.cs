using System;
using System.Linq;
using WebSocketProtocol.Framing;
using WebSocketProtocol.Tests.Support;
using Xunit;

namespace WebSocketProtocol.Tests.Framing;

public class PayloadMaskTests
{
    private static byte[] Data(int length, int seed) => Enumerable.Range(0, length).Select(i => (byte)((i * 31) + seed)).ToArray();

    [Fact]
    public void Vectorised_and_scalar_masks_equal_the_naive_byte_loop_for_every_length_0_to_300_and_every_key_phase()
    {
        uint[] keys = { 0x00000000, 0x37fa213d, 0xffffffff, 0x01020304, 0x80000001 };
        foreach (uint key in keys)
        {
            for (int length = 0; length <= 300; length++)
            {
                for (int phase = 0; phase < 4; phase++)
                {
                    byte[] source = Data(length, length + phase);
                    byte[] expected = (byte[])source.Clone();
                    FrameBytes.NaiveMask(expected, key, phase);

                    byte[] inPlace = (byte[])source.Clone();
                    int next = PayloadMask.Apply(inPlace, key, phase);
                    Assert.Equal(expected, inPlace);
                    Assert.Equal((phase + length) & 3, next);

                    byte[] scalar = new byte[length];
                    Assert.Equal((phase + length) & 3, PayloadMask.ApplyScalar(source, scalar, key, phase));
                    Assert.Equal(expected, scalar);

                    byte[] copied = new byte[length + 3];
                    PayloadMask.Apply(source, copied, key, phase);
                    Assert.Equal(expected, copied[..length]);
                    Assert.Equal(Data(length, length + phase), source);
                    Assert.All(copied[length..], b => Assert.Equal(0, b));
                }
            }
        }
    }

    [Fact]
    public void Masking_in_pieces_at_every_split_equals_masking_whole()
    {
        const uint key = 0xa1b2c3d4;
        byte[] source = Data(200, 3);
        byte[] whole = (byte[])source.Clone();
        PayloadMask.Apply(whole, key, 0);

        for (int first = 0; first <= source.Length; first++)
        {
            for (int second = first; second <= source.Length; second += 37)
            {
                byte[] pieces = (byte[])source.Clone();
                int phase = PayloadMask.Apply(pieces.AsSpan(0, first), key, 0);
                phase = PayloadMask.Apply(pieces.AsSpan(first, second - first), key, phase);
                PayloadMask.Apply(pieces.AsSpan(second), key, phase);
                Assert.Equal(whole, pieces);
            }
        }
    }

    [Fact]
    public void Large_payload_masks_like_the_naive_loop_across_all_vector_widths()
    {
        const uint key = 0x5a17c0de;
        foreach (int length in new[] { 1 << 16, (1 << 16) + 63, 4099 })
        {
            for (int phase = 0; phase < 4; phase++)
            {
                byte[] data = Data(length, phase);
                byte[] expected = (byte[])data.Clone();
                FrameBytes.NaiveMask(expected, key, phase);
                PayloadMask.Apply(data, key, phase);
                Assert.Equal(expected, data);
            }
        }
    }

    [Fact]
    public void The_unmasking_pass_reports_ASCII_exactly_when_no_unmasked_byte_has_its_top_bit_set()
    {
        const uint Key = 0x37FA213D;
        for (int length = 0; length <= 300; length++)
        {
            var plain = new byte[length];
            for (int i = 0; i < length; i++)
            {
                plain[i] = (byte)(0x20 + (i % 95));
            }

            // Each position in turn holds the one non-ASCII byte (0x80, the lowest), then none does.
            for (int bad = -1; bad < length; bad++)
            {
                byte[] text = (byte[])plain.Clone();
                if (bad >= 0)
                {
                    text[bad] = 0x80;
                }

                byte[] masked = (byte[])text.Clone();
                FrameBytes.NaiveMask(masked, Key, 1);
                var output = new byte[length];

                PayloadMask.ApplyAndCheckAscii(masked, output, Key, 1, out bool isAscii);

                Assert.Equal(text, output);
                Assert.Equal(bad < 0, isAscii);
            }
        }
    }

    [Fact]
    public void A_destination_shorter_than_the_source_is_refused()
    {
        Assert.Throws<ArgumentException>(() => PayloadMask.Apply(new byte[5], new byte[4], 1, 0));
    }
}
