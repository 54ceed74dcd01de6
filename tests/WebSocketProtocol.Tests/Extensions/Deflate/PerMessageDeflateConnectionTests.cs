using System.Net.WebSockets;
using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO.Compression;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading.Tasks;
using WebSocketProtocol.Connection;
using WebSocketProtocol.Extensions.Deflate;
using WebSocketProtocol.Framing;
using WebSocketProtocol.Tests.Connection;
using WebSocketProtocol.Tests.Support;
using Xunit;

namespace WebSocketProtocol.Tests.Extensions.Deflate;

/// <summary>permessage-deflate applied by the connection: RSV1, the tail, context takeover, limits and errors.</summary>
public class PerMessageDeflateConnectionTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    public static IEnumerable<object[]> ParameterCombinations()
    {
        foreach (bool serverNoTakeover in new[] { false, true })
        {
            foreach (bool clientNoTakeover in new[] { false, true })
            {
                foreach (int bits in new[] { 8, 9, 12, 15 })
                {
                    yield return new object[] { serverNoTakeover, clientNoTakeover, bits };
                }
            }
        }
    }

    internal static PerMessageDeflateOptions Options(bool serverNoTakeover, bool clientNoTakeover, int bits, int threshold = 0) => new()
    {
        ServerNoContextTakeover = serverNoTakeover,
        ClientNoContextTakeover = clientNoTakeover,
        ServerMaxWindowBits = bits,
        ClientMaxWindowBits = bits,
        CompressionThreshold = threshold,
    };

    internal static ConnectionPair CompressedPair(PerMessageDeflateOptions? options = null, WebSocketConnectionOptions? serverOptions = null)
    {
        var (_, _, server, client) = DeflateNegotiation.Agree(options ?? Options(false, false, 15), options ?? Options(false, false, 15));
        return new ConnectionPair(serverOptions, serverExtensions: new[] { server }, clientExtensions: new[] { client });
    }

    private static RawPeer CompressedPeer(WebSocketRole role, PerMessageDeflateOptions? options = null, WebSocketConnectionOptions? connectionOptions = null, int outputPauseThreshold = 0)
    {
        var (_, _, server, client) = DeflateNegotiation.Agree(options ?? Options(false, false, 15), options ?? Options(false, false, 15));
        return new RawPeer(connectionOptions ?? ConnectionPair.Quiet(role), outputPauseThreshold, new[] { role == WebSocketRole.Server ? server : client });
    }

    private static async Task<(FrameHeader Header, byte[] Payload)> ReadFrameAsync(RawPeer peer)
    {
        Assert.True(await peer.Reader.ReadFrameAsync().AsTask().WaitAsync(Bound));
        Frame frame = peer.Reader.Current;
        var payload = new byte[frame.Payload.Length];
        frame.CopyPayloadTo(payload);
        return (frame.Header, payload);
    }

    private static async Task<ushort> ReadCloseCodeAsync(RawPeer peer)
    {
        var (header, payload) = await ReadFrameAsync(peer);
        Assert.Equal(Opcode.Close, header.Opcode);
        return BinaryPrimitives.ReadUInt16BigEndian(payload);
    }

    internal static byte[] Text(int length, int seed = 0)
    {
        // Chat-like text: compressible, with some variety so matches are not trivial.
        var builder = new StringBuilder();
        var random = new Random(seed);
        string[] words = { "hello", "wörld", "message", "room", "😀", "json", "{\"user\":", "\"text\":", "deflate", "\n" };
        while (builder.Length < length)
        {
            builder.Append(words[random.Next(words.Length)]).Append(' ');
        }

        byte[] bytes = Encoding.UTF8.GetBytes(builder.ToString());
        int cut = length;
        while (cut > 0 && cut < bytes.Length && (bytes[cut] & 0xC0) == 0x80)
        {
            cut--;
        }

        return bytes.AsSpan(0, Math.Min(cut, bytes.Length)).ToArray();
    }

    private static byte[] Random(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [Theory]
    [MemberData(nameof(ParameterCombinations))]
    public async Task Messages_round_trip_both_ways_with_every_parameter_combination(bool serverNoTakeover, bool clientNoTakeover, int bits)
    {
        using var pair = CompressedPair(Options(serverNoTakeover, clientNoTakeover, bits));
        var messages = new List<(WebSocketMessageType Type, byte[] Data)>
        {
            (WebSocketMessageType.Text, Array.Empty<byte>()),
            (WebSocketMessageType.Text, Text(1)),
            (WebSocketMessageType.Text, Text(200, 1)),
            (WebSocketMessageType.Text, Text(200, 1)),
            (WebSocketMessageType.Binary, Random(3000, 2)),
            (WebSocketMessageType.Text, Text(70_000, 3)),
            (WebSocketMessageType.Binary, Enumerable.Repeat((byte)7, 100_000).ToArray()),
        };

        foreach (var (type, data) in messages)
        {
            await pair.Client.SendAsync(data, type);
            WebSocketMessage atServer = await pair.Server.ReceiveMessageAsync().AsTask().WaitAsync(Bound);
            Assert.Equal(type, atServer.MessageType);
            Assert.Equal(data, atServer.Data.ToArray());

            await pair.Server.SendAsync(data, type);
            WebSocketMessage atClient = await pair.Client.ReceiveMessageAsync().AsTask().WaitAsync(Bound);
            Assert.Equal(data, atClient.Data.ToArray());
        }
    }

    [Fact]
    public async Task A_compressed_message_has_RSV1_on_its_first_frame_only_and_zlib_reads_the_payload()
    {
        var connectionOptions = ConnectionPair.Quiet(WebSocketRole.Server);
        connectionOptions.FragmentSize = 4096;
        using var peer = CompressedPeer(WebSocketRole.Server, Options(serverNoTakeover: true, clientNoTakeover: false, 15), connectionOptions);
        byte[] message = Text(20_000, 5);

        await peer.UnderTest.SendAsync(message, WebSocketMessageType.Text);

        var frames = new List<(FrameHeader Header, byte[] Payload)>();
        do
        {
            frames.Add(await ReadFrameAsync(peer));
        }
        while (!frames[^1].Header.IsFinal);

        Assert.True(frames.Count > 1);
        Assert.Equal(Opcode.Text, frames[0].Header.Opcode);
        Assert.Equal(ReservedBits.Rsv1, frames[0].Header.ReservedBits);
        Assert.All(frames.Skip(1), f => Assert.Equal((Opcode.Continuation, ReservedBits.None), (f.Header.Opcode, f.Header.ReservedBits)));
        byte[] payload = frames.SelectMany(f => f.Payload).ToArray();
        Assert.True(payload.Length < message.Length / 2, $"{payload.Length} compressed bytes for {message.Length}");
        Assert.Equal(message, Zlib.InflateMessage(payload));
    }

    [Fact]
    public async Task With_context_takeover_zlib_reads_the_messages_as_one_stream_and_repeats_shrink()
    {
        using var peer = CompressedPeer(WebSocketRole.Server);
        byte[] message = Text(1000, 9);
        var payloads = new List<byte[]>();
        for (int i = 0; i < 3; i++)
        {
            await peer.UnderTest.SendAsync(message, WebSocketMessageType.Text);
            var (header, payload) = await ReadFrameAsync(peer);
            Assert.Equal(ReservedBits.Rsv1, header.ReservedBits);
            payloads.Add(payload);
        }

        // The second copy refers back to the first: a few bytes instead of a few hundred.
        Assert.True(payloads[1].Length < payloads[0].Length / 4, $"{payloads[0].Length} then {payloads[1].Length}");
        byte[] stream = payloads.SelectMany(p => p.Concat(new byte[] { 0, 0, 0xFF, 0xFF })).ToArray();
        Assert.Equal(message.Concat(message).Concat(message).ToArray(), Zlib.InflateMessage(stream.AsSpan(0, stream.Length - 4).ToArray()));
    }

    [Fact]
    public async Task Without_context_takeover_every_copy_of_a_message_compresses_alike()
    {
        using var peer = CompressedPeer(WebSocketRole.Server, Options(serverNoTakeover: true, clientNoTakeover: true, 15));
        byte[] message = Text(1000, 9);
        await peer.UnderTest.SendAsync(message, WebSocketMessageType.Text);
        await peer.UnderTest.SendAsync(message, WebSocketMessageType.Text);

        var first = await ReadFrameAsync(peer);
        var second = await ReadFrameAsync(peer);
        Assert.Equal(first.Payload, second.Payload);
        Assert.Equal(message, Zlib.InflateMessage(second.Payload));
    }

    [Fact]
    public async Task Messages_below_the_threshold_go_out_uncompressed_and_control_frames_never_carry_RSV1()
    {
        using var peer = CompressedPeer(WebSocketRole.Server, Options(false, false, 15, threshold: 100));
        await peer.UnderTest.SendAsync(Text(99), WebSocketMessageType.Text);
        await peer.UnderTest.SendAsync(Text(100), WebSocketMessageType.Text);
        await peer.UnderTest.PingAsync(new byte[] { 1, 2, 3 });

        Assert.Equal(ReservedBits.None, (await ReadFrameAsync(peer)).Header.ReservedBits);
        Assert.Equal(ReservedBits.Rsv1, (await ReadFrameAsync(peer)).Header.ReservedBits);
        var ping = await ReadFrameAsync(peer);
        Assert.Equal((Opcode.Ping, ReservedBits.None), (ping.Header.Opcode, ping.Header.ReservedBits));
    }

    [Theory]
    [InlineData(WebSocketRole.Server)]
    [InlineData(WebSocketRole.Client)]
    public async Task Messages_compressed_by_zlib_are_received_whole_and_uncompressed_ones_pass_through(WebSocketRole role)
    {
        using var peer = CompressedPeer(role, Options(serverNoTakeover: true, clientNoTakeover: true, 15));
        byte[] first = Text(5000, 1);
        byte[] second = Random(5000, 2);
        byte[] third = Text(300, 3);
        peer.Writer.WriteFrame(Opcode.Text, Zlib.CompressMessage(first), reservedBits: ReservedBits.Rsv1);
        peer.Writer.WriteFrame(Opcode.Binary, Zlib.CompressMessage(second, CompressionLevel.Fastest), reservedBits: ReservedBits.Rsv1);
        peer.Writer.WriteFrame(Opcode.Text, third);
        await peer.FlushAsync();

        Assert.Equal(first, (await peer.UnderTest.ReceiveMessageAsync().AsTask().WaitAsync(Bound)).Data.ToArray());
        Assert.Equal(second, (await peer.UnderTest.ReceiveMessageAsync().AsTask().WaitAsync(Bound)).Data.ToArray());
        Assert.Equal(third, (await peer.UnderTest.ReceiveMessageAsync().AsTask().WaitAsync(Bound)).Data.ToArray());
    }

    [Fact]
    public async Task A_message_compressed_with_a_final_block_and_no_sync_flush_is_received()
    {
        using var peer = CompressedPeer(WebSocketRole.Server, Options(serverNoTakeover: true, clientNoTakeover: true, 15));
        byte[] message = Text(3000, 4);
        peer.Writer.WriteFrame(Opcode.Text, Zlib.CompressWithFinalBlock(message), reservedBits: ReservedBits.Rsv1);
        peer.Writer.WriteFrame(Opcode.Text, Zlib.CompressWithFinalBlock(message), reservedBits: ReservedBits.Rsv1);
        await peer.FlushAsync();

        Assert.Equal(message, (await peer.UnderTest.ReceiveMessageAsync().AsTask().WaitAsync(Bound)).Data.ToArray());
        Assert.Equal(message, (await peer.UnderTest.ReceiveMessageAsync().AsTask().WaitAsync(Bound)).Data.ToArray());
    }

    [Fact]
    public async Task A_final_block_whose_padding_bits_are_ones_is_received_and_the_next_message_inflates_afresh()
    {
        // "a" in one final fixed-code block with its 6 padding bits set (4B 04 FC), which zlib ignores. Found by the inflater
        // fuzz target: the padding was read as a block header of the reserved type and the message failed with 1002.
        using var peer = CompressedPeer(WebSocketRole.Server, Options(serverNoTakeover: false, clientNoTakeover: false, 15));
        peer.Writer.WriteFrame(Opcode.Text, new byte[] { 0x4B, 0x04, 0xFC }, reservedBits: ReservedBits.Rsv1);
        peer.Writer.WriteFrame(Opcode.Text, Zlib.CompressMessage("bcd"u8.ToArray()), reservedBits: ReservedBits.Rsv1);
        await peer.FlushAsync();

        Assert.Equal("a"u8.ToArray(), (await peer.UnderTest.ReceiveMessageAsync().AsTask().WaitAsync(Bound)).Data.ToArray());
        Assert.Equal("bcd"u8.ToArray(), (await peer.UnderTest.ReceiveMessageAsync().AsTask().WaitAsync(Bound)).Data.ToArray());
    }

    [Fact]
    public async Task A_compressed_message_in_many_fragments_streams_into_a_tiny_buffer_and_validates_text_across_them()
    {
        using var peer = CompressedPeer(WebSocketRole.Server);
        byte[] message = Text(50_000, 6);
        byte[] compressed = Zlib.CompressMessage(message);
        for (int offset = 0, size = 1; offset < compressed.Length; offset += size, size = (size % 13) + 1)
        {
            int count = Math.Min(size, compressed.Length - offset);
            bool first = offset == 0;
            peer.Writer.WriteFrame(first ? Opcode.Text : Opcode.Continuation, compressed.AsSpan(offset, count), isFinal: offset + count == compressed.Length, reservedBits: first ? ReservedBits.Rsv1 : ReservedBits.None);
        }

        await peer.FlushAsync();
        var received = new List<byte>();
        var buffer = new byte[7];
        while (true)
        {
            ReceiveResult result = await peer.UnderTest.ReceiveAsync(buffer).AsTask().WaitAsync(Bound);
            Assert.Equal(WebSocketMessageType.Text, result.MessageType);
            received.AddRange(buffer.Take(result.Count));
            if (result.EndOfMessage)
            {
                break;
            }
        }

        Assert.Equal(message, received.ToArray());
    }

    [Fact]
    public async Task A_message_streamed_with_SendFragmentAsync_is_compressed_fragment_by_fragment()
    {
        using var peer = CompressedPeer(WebSocketRole.Client);
        byte[][] parts = { Text(3000, 1), Text(10, 2), Array.Empty<byte>(), Text(4000, 3) };
        for (int i = 0; i < parts.Length; i++)
        {
            await peer.UnderTest.SendFragmentAsync(parts[i], WebSocketMessageType.Text, endOfMessage: i == parts.Length - 1);
        }

        var frames = new List<(FrameHeader Header, byte[] Payload)>();
        for (int i = 0; i < parts.Length; i++)
        {
            frames.Add(await ReadFrameAsync(peer));
        }

        Assert.Equal(ReservedBits.Rsv1, frames[0].Header.ReservedBits);
        Assert.All(frames.Skip(1), f => Assert.Equal(ReservedBits.None, f.Header.ReservedBits));
        Assert.Equal(parts.SelectMany(p => p).ToArray(), Zlib.InflateMessage(frames.SelectMany(f => f.Payload).ToArray()));
    }

    [Theory]
    [InlineData(Opcode.Continuation)]
    [InlineData(Opcode.Ping)]
    [InlineData(Opcode.Pong)]
    public async Task RSV1_on_a_continuation_or_control_frame_fails_the_connection_with_1002(Opcode opcode)
    {
        using var peer = CompressedPeer(WebSocketRole.Server);
        if (opcode == Opcode.Continuation)
        {
            peer.Writer.WriteFrame(Opcode.Text, Zlib.CompressMessage(Text(100)), isFinal: false, reservedBits: ReservedBits.Rsv1);
        }

        peer.Writer.WriteFrame(opcode, Zlib.CompressMessage(Text(20)), isFinal: true, reservedBits: ReservedBits.Rsv1);
        await peer.FlushAsync();

        var error = await Assert.ThrowsAsync<WebSocketProtocolException>(() => peer.UnderTest.ReceiveMessageAsync().AsTask().WaitAsync(Bound));
        Assert.Equal(ProtocolError.ReservedBitsSet, error.Error);
        Assert.Equal(1002, await ReadCloseCodeAsync(peer));
    }

    [Fact]
    public async Task RSV1_without_permessage_deflate_agreed_fails_the_connection_with_1002()
    {
        using var peer = new RawPeer(ConnectionPair.Quiet(WebSocketRole.Server));
        peer.Writer.WriteFrame(Opcode.Text, Zlib.CompressMessage(Text(100)), reservedBits: ReservedBits.Rsv1);
        await peer.FlushAsync();

        var error = await Assert.ThrowsAsync<WebSocketProtocolException>(() => peer.UnderTest.ReceiveMessageAsync().AsTask().WaitAsync(Bound));
        Assert.Equal(ProtocolError.ReservedBitsSet, error.Error);
        Assert.Equal(1002, await ReadCloseCodeAsync(peer));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_small_compressed_bomb_fails_with_1009_after_inflating_no_more_than_the_limit(bool streaming)
    {
        var options = ConnectionPair.Quiet(WebSocketRole.Server);
        options.MaxMessageSize = 1 << 20;
        using var peer = CompressedPeer(WebSocketRole.Server, connectionOptions: options);

        // 64 MiB of zeros: about 64 KiB on the wire, far below the limit before inflating.
        byte[] bomb = Zlib.CompressMessage(new byte[64 << 20]);
        Assert.True(bomb.Length < options.MaxMessageSize / 4);
        peer.Writer.WriteFrame(Opcode.Binary, bomb, reservedBits: ReservedBits.Rsv1);
        await peer.FlushAsync();

        long received = 0;
        var error = await Assert.ThrowsAsync<WebSocketProtocolException>(async () =>
        {
            if (!streaming)
            {
                await peer.UnderTest.ReceiveMessageAsync().AsTask().WaitAsync(Bound);
                return;
            }

            var buffer = new byte[16 * 1024];
            while (true)
            {
                ReceiveResult result = await peer.UnderTest.ReceiveAsync(buffer).AsTask().WaitAsync(Bound);
                received += result.Count;
            }
        });

        Assert.Equal(ProtocolError.MessageTooLarge, error.Error);
        Assert.True(received <= options.MaxMessageSize);
        Assert.Equal(1009, await ReadCloseCodeAsync(peer));
    }

    [Fact]
    public async Task A_compressed_message_of_exactly_the_limit_is_received()
    {
        var options = ConnectionPair.Quiet(WebSocketRole.Server);
        options.MaxMessageSize = 1 << 16;
        using var peer = CompressedPeer(WebSocketRole.Server, connectionOptions: options);
        byte[] message = Text(1 << 16, 2);
        message = message.Concat(Enumerable.Repeat((byte)'x', (1 << 16) - message.Length)).ToArray();
        peer.Writer.WriteFrame(Opcode.Text, Zlib.CompressMessage(message), reservedBits: ReservedBits.Rsv1);
        await peer.FlushAsync();

        Assert.Equal(message, (await peer.UnderTest.ReceiveMessageAsync().AsTask().WaitAsync(Bound)).Data.ToArray());
    }

    [Fact]
    public async Task A_compressed_message_of_exactly_the_limit_is_held_in_a_buffer_no_larger_than_the_limit()
    {
        // Growing past the limit by one byte (to see whether more is inflated) would rent twice the limit from the pool.
        var options = ConnectionPair.Quiet(WebSocketRole.Server);
        options.MaxMessageSize = 1 << 16;
        using var peer = CompressedPeer(WebSocketRole.Server, connectionOptions: options);
        byte[] message = new byte[1 << 16];
        peer.Writer.WriteFrame(Opcode.Binary, Zlib.CompressMessage(message), reservedBits: ReservedBits.Rsv1);
        await peer.FlushAsync();

        WebSocketMessage received = await peer.UnderTest.ReceiveMessageAsync().AsTask().WaitAsync(Bound);
        Assert.Equal(message.Length, received.Data.Length);
        Assert.True(MemoryMarshal.TryGetArray(received.Data, out ArraySegment<byte> buffer));
        Assert.InRange(buffer.Array!.Length, message.Length, options.MaxMessageSize);
    }

    [Theory]
    [InlineData(CompressionLevel.NoCompression)]
    [InlineData(CompressionLevel.Fastest)]
    public async Task An_incompressible_message_of_exactly_the_limit_is_received_though_compressing_made_it_longer(CompressionLevel level)
    {
        var options = ConnectionPair.Quiet(WebSocketRole.Server);
        options.MaxMessageSize = 1 << 16;
        using var peer = CompressedPeer(WebSocketRole.Server, connectionOptions: options);
        byte[] message = Random(1 << 16, 4);
        byte[] compressed = Zlib.CompressMessage(message, level);
        Assert.True(compressed.Length > message.Length);
        peer.Writer.WriteFrame(Opcode.Binary, compressed, reservedBits: ReservedBits.Rsv1);
        await peer.FlushAsync();

        Assert.Equal(message, (await peer.UnderTest.ReceiveMessageAsync().AsTask().WaitAsync(Bound)).Data.ToArray());
    }

    [Fact]
    public async Task Our_own_compressed_message_of_exactly_the_limit_round_trips_and_one_byte_more_fails_with_1009()
    {
        var serverOptions = ConnectionPair.Quiet(WebSocketRole.Server);
        serverOptions.MaxMessageSize = 1 << 16;
        using var pair = CompressedPair(serverOptions: serverOptions);
        byte[] message = Random(1 << 16, 5);

        await pair.Client.SendAsync(message, WebSocketMessageType.Binary);
        Assert.Equal(message, (await pair.Server.ReceiveMessageAsync().AsTask().WaitAsync(Bound)).Data.ToArray());

        await pair.Client.SendAsync(Random((1 << 16) + 1, 6), WebSocketMessageType.Binary);
        var error = await Assert.ThrowsAsync<WebSocketProtocolException>(() => pair.Server.ReceiveMessageAsync().AsTask().WaitAsync(Bound));
        Assert.Equal(ProtocolError.MessageTooLarge, error.Error);
    }

    [Theory]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF })]
    [InlineData(new byte[] { 0x07 })]
    public async Task Data_that_is_not_DEFLATE_fails_the_connection_with_1002(byte[] payload)
    {
        using var peer = CompressedPeer(WebSocketRole.Server);
        peer.Writer.WriteFrame(Opcode.Binary, payload, reservedBits: ReservedBits.Rsv1);
        await peer.FlushAsync();

        var error = await Assert.ThrowsAsync<WebSocketProtocolException>(() => peer.UnderTest.ReceiveMessageAsync().AsTask().WaitAsync(Bound));
        Assert.Equal(ProtocolError.InvalidCompressedData, error.Error);
        Assert.Equal(1002, await ReadCloseCodeAsync(peer));
    }

    [Fact]
    public async Task A_compressed_message_cut_off_inside_a_block_fails_with_1002()
    {
        using var peer = CompressedPeer(WebSocketRole.Server);
        byte[] compressed = Zlib.CompressMessage(Text(5000, 3));
        peer.Writer.WriteFrame(Opcode.Text, compressed.AsSpan(0, compressed.Length / 2), reservedBits: ReservedBits.Rsv1);
        await peer.FlushAsync();

        var error = await Assert.ThrowsAsync<WebSocketProtocolException>(() => peer.UnderTest.ReceiveMessageAsync().AsTask().WaitAsync(Bound));
        Assert.Equal(ProtocolError.InvalidCompressedData, error.Error);
        Assert.Equal(1002, await ReadCloseCodeAsync(peer));
    }

    [Fact]
    public async Task Invalid_UTF8_inside_a_compressed_text_message_fails_with_1007_as_soon_as_it_is_inflated()
    {
        using var peer = CompressedPeer(WebSocketRole.Server);
        byte[] message = Text(1000).Concat(new byte[] { 0xC0, 0x80 }).Concat(Text(100_000, 1)).ToArray();
        peer.Writer.WriteFrame(Opcode.Text, Zlib.CompressMessage(message), reservedBits: ReservedBits.Rsv1);
        await peer.FlushAsync();

        var buffer = new byte[4096];
        long received = 0;
        var error = await Assert.ThrowsAsync<WebSocketProtocolException>(async () =>
        {
            while (true)
            {
                received += (await peer.UnderTest.ReceiveAsync(buffer).AsTask().WaitAsync(Bound)).Count;
            }
        });

        Assert.Equal(ProtocolError.InvalidUtf8, error.Error);
        Assert.True(received < 8192, $"{received} bytes were handed out before the bad byte was reported");
        Assert.Equal(1007, await ReadCloseCodeAsync(peer));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Compression_state_is_held_between_messages_only_with_context_takeover_and_dropped_on_dispose(bool noContextTakeover)
    {
        var (_, _, server, client) = DeflateNegotiation.Agree(Options(noContextTakeover, noContextTakeover, 15), Options(noContextTakeover, noContextTakeover, 15));
        var pair = new ConnectionPair(serverExtensions: new[] { server }, clientExtensions: new[] { client });
        Assert.False(server.HoldsState);

        await pair.Client.SendAsync(Text(500), WebSocketMessageType.Text);
        await pair.Server.ReceiveMessageAsync().AsTask().WaitAsync(Bound);
        await pair.Server.SendAsync(Text(500), WebSocketMessageType.Text);
        await pair.Client.ReceiveMessageAsync().AsTask().WaitAsync(Bound);

        Assert.Equal(!noContextTakeover, server.HoldsState);
        Assert.Equal(!noContextTakeover, client.HoldsState);
        pair.Dispose();
        Assert.False(server.HoldsState);
        Assert.False(client.HoldsState);
    }

    [Fact]
    public void The_connection_refuses_an_extension_agreed_for_the_other_role()
    {
        var (_, _, server, _) = DeflateNegotiation.Agree();
        var pipe = new System.IO.Pipelines.Pipe();

        Assert.Throws<ArgumentException>(() => new WebSocketConnection(pipe.Reader, pipe.Writer, ConnectionPair.Quiet(WebSocketRole.Client), extensions: new[] { server }));
    }
}
