using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using WebSocketProtocol.Extensions.Deflate;
using WebSocketProtocol.Tests.Support;
using Xunit;

namespace WebSocketProtocol.Tests.Extensions.Deflate;

/// <summary>The inflater against the platform's zlib-backed compressor: every stream zlib writes, fed and drained in pieces of any size.</summary>
public class InflaterTests
{
    private static readonly byte[] SyncFlushTail = { 0x00, 0x00, 0xFF, 0xFF };

    private static byte[] Compress(byte[] data, CompressionLevel level)
    {
        using var buffer = new MemoryStream();
        using (var deflate = new DeflateStream(buffer, level, leaveOpen: true))
        {
            deflate.Write(data);
        }

        return buffer.ToArray();
    }

    private static byte[] Sample(int kind, int length, int seed)
    {
        var random = new Random(seed);
        var data = new byte[length];
        switch (kind % 4)
        {
            case 0:
                random.NextBytes(data);
                break;
            case 1:
                byte[] text = Encoding.UTF8.GetBytes("{\"type\":\"message\",\"from\":\"Zoë\",\"text\":\"hello there, general kenobi\"} ");
                for (int i = 0; i < length; i++)
                {
                    data[i] = text[(i + (i / 997)) % text.Length];
                }

                break;
            case 2:
                // Long-range repeats: a random 3 KiB block again and again, so matches reach far back.
                byte[] block = new byte[3000];
                random.NextBytes(block);
                for (int i = 0; i < length; i++)
                {
                    data[i] = block[i % block.Length];
                }

                break;
            default:
                for (int i = 0; i < length; i++)
                {
                    data[i] = (byte)(random.Next(4) == 0 ? random.Next(256) : 'a' + (i % 7));
                }

                break;
        }

        return data;
    }

    /// <summary>Inflates <paramref name="compressed"/> in input pieces of <paramref name="inChunk"/> and output pieces of <paramref name="outChunk"/>.</summary>
    private static (InflateStatus Status, byte[] Output) Inflate(Inflater inflater, byte[] compressed, int inChunk, int outChunk, int limit = 1 << 24)
    {
        var output = new List<byte>();
        var room = new byte[outChunk];
        int position = 0;
        while (true)
        {
            int take = Math.Min(inChunk, compressed.Length - position);
            ReadOnlySpan<byte> input = compressed.AsSpan(position, take);
            while (true)
            {
                InflateStatus status = inflater.Inflate(input, room, out int consumed, out int written);
                output.AddRange(room.AsSpan(0, written).ToArray());
                input = input.Slice(consumed);
                position += consumed;
                if (status == InflateStatus.InvalidData || output.Count > limit)
                {
                    return (status, output.ToArray());
                }

                if (status == InflateStatus.NeedsInput)
                {
                    break;
                }
            }

            if (position == compressed.Length)
            {
                return (InflateStatus.NeedsInput, output.ToArray());
            }
        }
    }

    [Theory]
    [InlineData(CompressionLevel.NoCompression)]
    [InlineData(CompressionLevel.Fastest)]
    [InlineData(CompressionLevel.Optimal)]
    [InlineData(CompressionLevel.SmallestSize)]
    public void Every_kind_of_data_zlib_compresses_inflates_back_identical_in_one_piece(CompressionLevel level)
    {
        foreach (int length in new[] { 0, 1, 100, 5000, 70_000, 300_000 })
        {
            for (int kind = 0; kind < 4; kind++)
            {
                byte[] data = Sample(kind, length, length + kind);
                var (status, output) = Inflate(new Inflater(15), Compress(data, level), int.MaxValue, 1 << 20);
                Assert.Equal(InflateStatus.NeedsInput, status);
                Assert.True(data.AsSpan().SequenceEqual(output), $"kind {kind}, length {length}");
            }
        }
    }

    [Property(MaxTest = 200)]
    public Property Any_input_and_output_chunking_inflates_the_same_bytes() =>
        Prop.ForAll(
            (from kind in Gen.Choose(0, 3)
             from length in Gen.Choose(0, 40_000)
             from level in Gen.Elements(CompressionLevel.NoCompression, CompressionLevel.Fastest, CompressionLevel.Optimal)
             from inChunk in Gen.Choose(1, 300)
             from outChunk in Gen.Choose(1, 5000)
             select (kind, length, level, inChunk, outChunk)).ToArbitrary(),
            c =>
            {
                byte[] data = Sample(c.kind, c.length, c.length);
                var (status, output) = Inflate(new Inflater(15), Compress(data, c.level), c.inChunk, c.outChunk);
                return status == InflateStatus.NeedsInput && data.AsSpan().SequenceEqual(output);
            });

    [Fact]
    public void Messages_sync_flushed_with_context_takeover_inflate_one_by_one_with_the_tail_put_back()
    {
        // permessage-deflate (RFC 7692 section 7.2.1): each message ends in a sync flush whose 00 00 FF FF is cut off on the
        // wire and appended again before inflating; later messages refer back into earlier ones.
        byte[][] messages = Enumerable.Range(0, 20).Select(i => Sample(i % 4, 50 + (i * 997 % 9000), i)).ToArray();
        using var compressed = new MemoryStream();
        using var deflate = new DeflateStream(compressed, CompressionLevel.Optimal, leaveOpen: true);
        var inflater = new Inflater(15);
        foreach (byte[] message in messages)
        {
            long start = compressed.Length;
            deflate.Write(message);
            deflate.Flush();
            byte[] wire = compressed.ToArray().AsSpan((int)start).ToArray();
            Assert.True(wire.AsSpan(wire.Length - 4).SequenceEqual(SyncFlushTail));
            byte[] payload = wire.AsSpan(0, wire.Length - 4).ToArray();

            var (status, output) = Inflate(inflater, payload.Concat(SyncFlushTail).ToArray(), 777, 4096);

            Assert.Equal(InflateStatus.NeedsInput, status);
            Assert.True(message.AsSpan().SequenceEqual(output));
        }
    }

    [Fact]
    public void A_distance_beyond_the_negotiated_window_is_invalid_data()
    {
        // The 3 KiB repeats reach 3000 bytes back: valid with a 32 KiB window, too far for a 2 KiB one.
        byte[] compressed = Compress(Sample(2, 20_000, 5), CompressionLevel.Optimal);
        Assert.Equal(InflateStatus.NeedsInput, Inflate(new Inflater(15), compressed, 1000, 4096).Status);
        Assert.Equal(InflateStatus.InvalidData, Inflate(new Inflater(11), compressed, 1000, 4096).Status);
    }

    [Theory]
    [InlineData(new byte[] { 0x07 })] // block type 3
    [InlineData(new byte[] { 0x00, 0x05, 0x00, 0x00, 0x00 })] // stored block whose NLEN is not the complement of LEN
    public void Malformed_block_headers_are_invalid_data(byte[] compressed)
    {
        Assert.Equal(InflateStatus.InvalidData, Inflate(new Inflater(15), compressed, 64, 64).Status);
    }

    [Fact]
    public void A_match_that_reaches_back_before_any_output_is_invalid_data()
    {
        Assert.Equal(InflateStatus.InvalidData, Inflate(new Inflater(15), DistanceBeforeOutput(), 64, 64).Status);
    }

    [Fact]
    public void An_unassigned_code_length_code_is_invalid_data_with_all_input_taken_not_a_request_for_more()
    {
        // A dynamic block whose code length code has one code ("0" for length 0); the next bits, all ones, match no code.
        // Found by the corrupted-stream property: the walk over 15 bits outran the 14 bits asked for, and the inflater
        // kept asking for input it had been given.
        var bits = new List<bool>();
        void Put(int value, int width)
        {
            for (int i = 0; i < width; i++)
            {
                bits.Add(((value >> i) & 1) == 1);
            }
        }

        // Eleven code length code lengths (HCLEN 7), in the order 16, 17, 18, 0, 8, ...: only symbol 0 has a code. With
        // them the header is 50 bits long, which left exactly 14 bits buffered when the walk needed 15.
        Put(1, 1);
        Put(2, 2);
        Put(0, 5);
        Put(0, 5);
        Put(7, 4);
        foreach (int length in new[] { 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0 })
        {
            Put(length, 3);
        }
        while (bits.Count < 8 * 64)
        {
            bits.Add(true);
        }

        byte[] stream = new byte[bits.Count / 8];
        for (int i = 0; i < bits.Count; i++)
        {
            stream[i / 8] |= (byte)(bits[i] ? 1 << (i % 8) : 0);
        }

        Assert.Equal(InflateStatus.InvalidData, new Inflater(15).Inflate(stream, new byte[64], out _, out _));
    }

    [Theory]
    [InlineData(new byte[] { 0x4B, 0x04, 0x00 })] // zlib's own: the padding is zeros
    [InlineData(new byte[] { 0x4B, 0x04, 0xFC })] // the same with ones, which zlib ignores too
    public void The_padding_after_a_final_block_is_not_read_as_another_block(byte[] compressed)
    {
        // "a" in one final fixed-code block: 3 + 8 + 7 bits, so the last byte has 6 bits of padding. Found by the inflater
        // fuzz target: they were read as the next block's header, a stored block (zeros) that left the stream open, or the
        // reserved block type 3 (ones) that failed valid data.
        var inflater = new Inflater(15);
        var (status, output) = Inflate(inflater, compressed, 1, 1);

        Assert.Equal(InflateStatus.NeedsInput, status);
        Assert.Equal("a"u8.ToArray(), output);
        Assert.True(inflater.IsStreamEnded);
    }

    [Fact]
    public void A_code_length_code_without_any_code_is_invalid_data_at_its_first_use()
    {
        // A final dynamic block (HLIT 258, HDIST 1, HCLEN 4) whose four code length code lengths are all 0. zlib takes the
        // header and fails only once every length has been read (no end-of-block code); the inflater fails at the first
        // code length, which no code can give. Flagged by the inflater fuzz target's comparison with zlib.
        byte[] compressed = { 0x0D, 0x00, 0x00, 0x00, 0x02, 0xA0, 0xAC, 0xDA, 0x3F, 0x84, 0x1B, 0xA4, 0x01, 0x00, 0x00 };

        var (status, output) = Inflate(new Inflater(15), compressed, 1, 64);

        Assert.Equal(InflateStatus.InvalidData, status);
        Assert.Empty(output);
    }

    /// <summary>A fixed-code block starting with a length-distance pair: length 3 (code 257, 7 bits 0000001), distance 1 (5 bits 00000).</summary>
    private static byte[] DistanceBeforeOutput()
    {
        // BFINAL=1, BTYPE=01, then the code bits: Huffman codes are packed most significant bit first.
        ulong bits = 0;
        int count = 0;
        void Put(uint value, int width, bool huffman)
        {
            for (int i = 0; i < width; i++)
            {
                uint bit = huffman ? (value >> (width - 1 - i)) & 1 : (value >> i) & 1;
                bits |= (ulong)bit << count++;
            }
        }

        Put(1, 1, false);
        Put(1, 2, false);
        Put(0b0000001, 7, true);
        Put(0, 5, true);
        return BitConverter.GetBytes(bits).AsSpan(0, (count + 7) / 8).ToArray();
    }

    [Property(MaxTest = 300)]
    public Property Corrupted_streams_end_in_invalid_data_or_some_output_never_an_exception() =>
        Prop.ForAll(
            (from kind in Gen.Choose(0, 3)
             from length in Gen.Choose(1, 20_000)
             from flips in Gen.Choose(0, int.MaxValue).ArrayOf(3)
             select (kind, length, flips)).ToArbitrary(),
            c =>
            {
                byte[] compressed = Compress(Sample(c.kind, c.length, c.length), CompressionLevel.Optimal);
                foreach (int flip in c.flips)
                {
                    compressed[flip % compressed.Length] ^= (byte)(1 << (flip % 8));
                }

                // Bounded: the output limit stops a corrupt stream that would expand without end.
                var (status, output) = Inflate(new Inflater(15), compressed, 513, 4096, limit: 1 << 20);
                return status is InflateStatus.InvalidData or InflateStatus.NeedsInput || output.Length > 1 << 20;
            });

    [Fact]
    public void Inflating_allocates_nothing_in_steady_state()
    {
        byte[] compressed = Compress(Sample(1, 100_000, 1), CompressionLevel.Optimal);
        var inflater = new Inflater(15);
        var room = new byte[8192];
        Assert.True(Run());
        bool allEnded = true;

        long allocated = SteadyState.AllocatedBytes(() => allEnded &= Run(), warmup: 0, iterations: 5);

        Assert.True(allEnded);
        Assert.Equal(0, allocated);

        // Inflates the whole stream from a fresh state; true when it ends asking for more input, as a valid stream does.
        bool Run()
        {
            inflater.Reset();
            ReadOnlySpan<byte> input = compressed;
            while (true)
            {
                InflateStatus status = inflater.Inflate(input, room, out int consumed, out _);
                input = input.Slice(consumed);
                if (status != InflateStatus.OutputFull)
                {
                    return status == InflateStatus.NeedsInput;
                }
            }
        }
    }
}
