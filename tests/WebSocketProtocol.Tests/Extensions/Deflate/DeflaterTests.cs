using System;
using System.Buffers;
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

/// <summary>The compressor's output read back by the platform's zlib and by the library's inflater, message by message.</summary>
public class DeflaterTests
{
    private static readonly byte[] SyncFlushTail = { 0x00, 0x00, 0xFF, 0xFF };

    private static byte[] Text(int length, int seed)
    {
        var random = new Random(seed);
        string[] words = { "hello", "chat", "room", "Zoë", "message", "{\"type\":", "\"text\":", "ok", "東京", "🎉", " ", " ", "\n" };
        var builder = new StringBuilder();
        while (builder.Length < length)
        {
            builder.Append(words[random.Next(words.Length)]);
        }

        return Encoding.UTF8.GetBytes(builder.ToString()).AsSpan(0, length).ToArray();
    }

    private static byte[] Random(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static byte[] InflateWithLibrary(Inflater inflater, byte[] wire, int expectedLength)
    {
        byte[] input = wire.Concat(SyncFlushTail).ToArray();
        var output = new byte[expectedLength + 1];
        Assert.Equal(InflateStatus.NeedsInput, inflater.Inflate(input, output, out int consumed, out int written));
        Assert.Equal(input.Length, consumed);
        return output.AsSpan(0, written).ToArray();
    }

    [Property(MaxTest = 100)]
    public Property Messages_compressed_with_context_takeover_are_read_back_by_zlib_and_by_the_inflater() =>
        Prop.ForAll(
            (from windowBits in Gen.Choose(8, 15)
             from lengths in Gen.Choose(0, 20_000).ArrayOf()
             from textual in Gen.Elements(true, false)
             select (windowBits, lengths, textual)).ToArbitrary(),
            c =>
            {
                var deflater = new Deflater(c.windowBits);
                var inflater = new Inflater(c.windowBits);
                using var zlib = new ZlibReceiver();
                for (int i = 0; i < c.lengths.Length; i++)
                {
                    byte[] message = c.textual ? Text(c.lengths[i], i) : (i % 2 == 0 ? Text(c.lengths[i], i) : Random(c.lengths[i], i));
                    var wire = new ArrayBufferWriter<byte>();
                    deflater.CompressMessage(message, wire);
                    byte[] bytes = wire.WrittenSpan.ToArray();
                    if (!zlib.Receive(bytes).AsSpan().SequenceEqual(message)
                        || !InflateWithLibrary(inflater, bytes, message.Length).AsSpan().SequenceEqual(message))
                    {
                        return false;
                    }
                }

                return true;
            });

    [Fact]
    public void Repetitive_text_shrinks_and_later_messages_refer_back_into_earlier_ones()
    {
        var deflater = new Deflater(15);
        byte[] message = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"type\":\"message\",\"from\":\"alice\",\"text\":\"hi all\"}", 20)));
        var first = new ArrayBufferWriter<byte>();
        deflater.CompressMessage(message, first);
        var second = new ArrayBufferWriter<byte>();
        deflater.CompressMessage(message, second);

        Assert.True(first.WrittenCount < message.Length / 5, $"{first.WrittenCount} bytes for {message.Length}");
        Assert.True(second.WrittenCount < first.WrittenCount / 3, $"{second.WrittenCount} bytes after {first.WrittenCount}");
    }

    [Fact]
    public void A_large_text_message_gets_a_dynamic_block_within_a_fifth_more_than_zlib_fastest()
    {
        byte[] message = Text(50_000, 7);
        var wire = new ArrayBufferWriter<byte>();
        new Deflater(15).CompressMessage(message, wire);

        using var zlib = new MemoryStream();
        using (var deflate = new DeflateStream(zlib, CompressionLevel.Fastest, leaveOpen: true))
        {
            deflate.Write(message);
        }

        // BTYPE is bits 1-2 of the first byte: 2 means dynamic codes.
        Assert.Equal(2, (wire.WrittenSpan[0] >> 1) & 3);
        Assert.True(wire.WrittenCount < zlib.Length * 1.2, $"{wire.WrittenCount} bytes against zlib's {zlib.Length} for {message.Length}");
    }

    [Fact]
    public void After_a_reset_a_message_refers_to_nothing_before_it()
    {
        // A fresh inflater (no context) must read each message compressed after Reset: no context takeover.
        var deflater = new Deflater(15);
        byte[] message = Text(5000, 1);
        for (int i = 0; i < 3; i++)
        {
            deflater.Reset();
            var wire = new ArrayBufferWriter<byte>();
            deflater.CompressMessage(message, wire);
            Assert.Equal(message, InflateWithLibrary(new Inflater(15), wire.WrittenSpan.ToArray(), message.Length));
        }
    }

    [Theory]
    [InlineData(200)]
    [InlineData(70_000)]
    [InlineData(200_000)]
    public void Incompressible_data_goes_out_in_stored_blocks_growing_by_5_bytes_per_64_KiB_and_zlib_reads_it(int length)
    {
        byte[] message = Random(length, 3);
        var deflater = new Deflater(15);
        var output = new ArrayBufferWriter<byte>();

        deflater.CompressMessage(message, output);

        int blocks = (length + ushort.MaxValue - 1) / ushort.MaxValue;
        Assert.InRange(output.WrittenCount, length, length + (5 * blocks) + 1);
        using var zlib = new ZlibReceiver();
        Assert.Equal(message, zlib.Receive(output.WrittenSpan.ToArray()));
    }

    [Fact]
    public void A_message_many_blocks_long_mixing_text_and_random_runs_is_read_back_by_zlib_and_the_inflater()
    {
        // Coded and stored blocks follow each other, and matches cross the blocks' seams, in both messages: the second
        // refers back into the first.
        byte[] message = Enumerable.Range(0, 12).SelectMany(i => i % 3 == 2 ? Random(40_000, i) : Text(30_000, i)).ToArray();
        var deflater = new Deflater(15);
        var inflater = new Inflater(15);
        using var zlib = new ZlibReceiver();
        for (int i = 0; i < 2; i++)
        {
            var wire = new ArrayBufferWriter<byte>();
            deflater.CompressMessage(message, wire);
            byte[] bytes = wire.WrittenSpan.ToArray();

            Assert.True(bytes.Length < message.Length, $"{bytes.Length} bytes for {message.Length}");
            Assert.Equal(message, zlib.Receive(bytes));
            Assert.Equal(message, InflateWithLibrary(inflater, bytes, message.Length));
        }
    }

    [Fact]
    public void An_empty_message_compresses_to_a_block_that_inflates_to_nothing()
    {
        var wire = new ArrayBufferWriter<byte>();
        new Deflater(15).CompressMessage(ReadOnlySpan<byte>.Empty, wire);
        Assert.Empty(InflateWithLibrary(new Inflater(15), wire.WrittenSpan.ToArray(), 0));
    }

    [Fact]
    public void Compressing_allocates_nothing_in_steady_state()
    {
        var deflater = new Deflater(15);
        byte[] message = Text(10_000, 3);
        var wire = new ArrayBufferWriter<byte>(64 * 1024);

        // The warm-up lasts until the history has filled its buffer and slid once.
        long allocated = SteadyState.AllocatedBytes(
            () =>
            {
                wire.ResetWrittenCount();
                deflater.CompressMessage(message, wire);
            },
            warmup: 10,
            iterations: 20);

        Assert.Equal(0, allocated);
    }
}
