using System;
using System.Buffers;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using WebSocketProtocol.Extensions.Deflate;
using WebSocketProtocol.Framing;
using WebSocketProtocol.Protocol;
using WebSocketProtocol.Tests.Extensions.Deflate;
using WebSocketProtocol.Tests.Hardening;
using Xunit;

namespace WebSocketProtocol.Tests.Protocol;

/// <summary>
/// The receive side of <see cref="ConnectionProtocol"/> on its own, in both roles: each input fed whole and a byte at a
/// time must give the same transcript (messages, control frames, owed frames written, the failure and its close code).
/// </summary>
public class ConnectionProtocolReceiveTests
{
    public static TheoryData<WebSocketRole, int> RolesAndChunks() => new()
    {
        { WebSocketRole.Server, int.MaxValue },
        { WebSocketRole.Server, 1 },
        { WebSocketRole.Client, int.MaxValue },
        { WebSocketRole.Client, 1 },
    };

    private static List<string> Run(WebSocketRole role, int chunk, byte[] wire, long maxMessageSize = 1 << 20, int destinationSize = 4096, bool end = false)
    {
        var driver = new ProtocolDriver(ProtocolDriver.Settings(role, maxMessageSize), destinationSize: destinationSize);
        driver.Feed(wire, chunk);
        if (end)
        {
            driver.End();
        }

        return driver.Transcript;
    }

    [Theory]
    [MemberData(nameof(RolesAndChunks))]
    public void Messages_whole_and_fragmented_with_control_frames_between_come_out_reassembled_and_a_ping_owes_its_pong(WebSocketRole role, int chunk)
    {
        WebSocketRole peer = Wire.Peer(role);
        byte[] wire = Wire.Concat(
            Wire.Text(peer, "héllo"),
            Wire.Text(peer, "frag", isFinal: false),
            Wire.Frame(peer, Opcode.Ping, "p1"u8),
            Wire.Frame(peer, Opcode.Continuation, ""u8, isFinal: false),
            Wire.Frame(peer, Opcode.Pong, "p2"u8),
            Wire.Frame(peer, Opcode.Continuation, "mented 😀"u8),
            Wire.Frame(peer, Opcode.Binary, new byte[] { 1, 2, 3 }),
            Wire.Frame(peer, Opcode.Text, ReadOnlySpan<byte>.Empty));

        List<string> transcript = Run(role, chunk, wire, destinationSize: 3);

        Assert.Equal(new[] { "text 'héllo'", "ping 7031", "sent pong 7031", "pong 7032", "text 'fragmented 😀'", "binary 010203", "text ''" }, transcript);
    }

    [Theory]
    [MemberData(nameof(RolesAndChunks))]
    public void A_close_is_reported_with_its_status_and_reason_and_owes_the_echo_and_nothing_after_it_is_read(WebSocketRole role, int chunk)
    {
        WebSocketRole peer = Wire.Peer(role);
        byte[] wire = Wire.Concat(Wire.Close(peer, 1001, "bye ü"), Wire.Text(peer, "after the close"));

        Assert.Equal(new[] { "close 1001 'bye ü'", "sent close 1001 ''" }, Run(role, chunk, wire));
    }

    [Theory]
    [MemberData(nameof(RolesAndChunks))]
    public void A_close_without_a_body_reads_as_1005_and_is_answered_without_a_body(WebSocketRole role, int chunk)
    {
        byte[] wire = Wire.Frame(Wire.Peer(role), Opcode.Close, ReadOnlySpan<byte>.Empty);

        Assert.Equal(new[] { "close 1005 ''", "sent close (no body)" }, Run(role, chunk, wire));
    }

    [Fact]
    public void A_close_arriving_after_ours_went_out_owes_no_answer()
    {
        var driver = new ProtocolDriver(ProtocolDriver.Settings(WebSocketRole.Server));
        Assert.True(driver.Protocol.WriteClose(CloseStatus.GoingAway, "leaving".AsSpan()));
        driver.RecordWritten();

        driver.Feed(Wire.Close(WebSocketRole.Client, 1000));

        Assert.Equal(new[] { "sent close 1001 'leaving'", "close 1000 ''" }, driver.Transcript);
        Assert.Equal(System.Net.WebSockets.WebSocketState.CloseSent, driver.Protocol.State);
    }

    [Fact]
    public void Pings_that_arrive_before_the_pong_goes_out_owe_one_pong_for_the_latest()
    {
        var driver = new ProtocolDriver(ProtocolDriver.Settings(WebSocketRole.Server));
        var destination = new MemoryReceiveBuffer(new byte[16]);
        byte[] wire = Wire.Concat(Enumerable.Range(0, 5).Select(i => Wire.Frame(WebSocketRole.Client, Opcode.Ping, new[] { (byte)i })).ToArray());
        var input = new ReadOnlySequence<byte>(wire);
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(ReceiveEventKind.Ping, driver.Protocol.Receive(input, ref destination, out long consumed).Kind);
            input = input.Slice(consumed);
        }

        Assert.True(driver.Protocol.TryStartOwedWriter());
        Assert.False(driver.Protocol.TryStartOwedWriter());
        driver.DrainOwed();

        Assert.Equal(new[] { "sent pong 04" }, driver.Transcript);
        Assert.True(driver.Protocol.TryEndOwedWriter());
    }

    public static TheoryData<string, byte[], ProtocolError> ServerViolations() => new()
    {
        { "continuation with no message", Wire.Frame(WebSocketRole.Client, Opcode.Continuation, "x"u8), ProtocolError.UnexpectedContinuation },
        { "new message inside a fragmented one", Wire.Concat(Wire.Text(WebSocketRole.Client, "a", isFinal: false), Wire.Text(WebSocketRole.Client, "b")), ProtocolError.ExpectedContinuation },
        { "invalid UTF-8", Wire.Frame(WebSocketRole.Client, Opcode.Text, new byte[] { 0xCE, 0xBA, 0xED, 0xA0, 0x80 }), ProtocolError.InvalidUtf8 },
        { "text ending inside a code point", Wire.Frame(WebSocketRole.Client, Opcode.Text, new byte[] { 0xF0, 0x9F }), ProtocolError.InvalidUtf8 },
        { "close with one byte", Wire.Frame(WebSocketRole.Client, Opcode.Close, new byte[] { 0x03 }), ProtocolError.InvalidCloseFrame },
        { "close code 1005", Wire.Close(WebSocketRole.Client, 1005), ProtocolError.InvalidCloseFrame },
        { "close code 2999", Wire.Close(WebSocketRole.Client, 2999), ProtocolError.InvalidCloseFrame },
        { "close reason not UTF-8", Wire.Frame(WebSocketRole.Client, Opcode.Close, new byte[] { 0x03, 0xE8, 0xFF }), ProtocolError.InvalidUtf8 },
        { "reserved opcode", Wire.Frame(WebSocketRole.Client, (Opcode)3, ReadOnlySpan<byte>.Empty), ProtocolError.ReservedOpcode },
        { "RSV1 without an extension", Wire.Frame(WebSocketRole.Client, Opcode.Text, "a"u8, reservedBits: ReservedBits.Rsv1), ProtocolError.ReservedBitsSet },
        { "fragmented ping", Wire.Frame(WebSocketRole.Client, Opcode.Ping, "a"u8, isFinal: false), ProtocolError.FragmentedControlFrame },
        { "ping of 126 bytes", Wire.Frame(WebSocketRole.Client, Opcode.Ping, new byte[126]), ProtocolError.ControlFrameTooLong },
        { "unmasked frame at a server", Wire.Text(WebSocketRole.Server, "a"), ProtocolError.UnmaskedFrameFromClient },
        { "64-bit length with its top bit", new byte[] { 0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4 }, ProtocolError.PayloadLengthTopBitSet },
        { "message over the limit in fragments", Wire.Concat(Wire.Frame(WebSocketRole.Client, Opcode.Binary, new byte[600], isFinal: false), Wire.Frame(WebSocketRole.Client, Opcode.Continuation, new byte[600])), ProtocolError.MessageTooLarge },
        { "frame over the limit", Wire.Frame(WebSocketRole.Client, Opcode.Binary, new byte[1100]), ProtocolError.FrameTooLarge },
    };

    [Theory]
    [MemberData(nameof(ServerViolations))]
    public void Each_violation_after_a_good_message_fails_once_with_its_rule_owes_its_close_code_and_discards_the_rest(string name, byte[] violation, ProtocolError error)
    {
        byte[] wire = Wire.Concat(Wire.Text(WebSocketRole.Client, "before"), violation, Wire.Text(WebSocketRole.Client, "after"));
        ushort code = (ushort)error.ToCloseStatus();

        foreach (int chunk in new[] { int.MaxValue, 1 })
        {
            List<string> transcript = Run(WebSocketRole.Server, chunk, wire, maxMessageSize: 1000);
            Assert.True(new[] { "text 'before'", $"failed {error} ({code})", $"sent close {code} ''" }.SequenceEqual(transcript), $"{name}, chunks of {chunk}: {string.Join(" | ", transcript)}");
        }
    }

    [Fact]
    public void A_masked_frame_at_a_client_fails_as_an_unmasked_one_does_at_a_server()
    {
        Assert.Equal(new[] { "failed MaskedFrameFromServer (1002)", "sent close 1002 ''" }, Run(WebSocketRole.Client, 1, Wire.Text(WebSocketRole.Client, "masked")));
        Assert.Equal(new[] { "failed UnmaskedFrameFromClient (1002)", "sent close 1002 ''" }, Run(WebSocketRole.Server, 1, Wire.Text(WebSocketRole.Server, "unmasked")));
    }

    [Theory]
    [MemberData(nameof(RolesAndChunks))]
    public void Tiny_fragments_are_charged_the_minimum_so_their_count_is_bounded(WebSocketRole role, int chunk)
    {
        WebSocketRole peer = Wire.Peer(role);
        var frames = new List<byte[]> { Wire.Text(peer, "a", isFinal: false) };
        frames.AddRange(Enumerable.Range(0, 20).Select(_ => Wire.Frame(peer, Opcode.Continuation, ReadOnlySpan<byte>.Empty, isFinal: false)));

        // 200 bytes of limit, 16 charged per frame: the 13th frame is over.
        Assert.Equal(new[] { "failed MessageTooLarge (1009)", "sent close 1009 ''" }, Run(role, chunk, Wire.Concat(frames.ToArray()), maxMessageSize: 200));
    }

    [Fact]
    public void A_header_is_not_consumed_until_all_of_it_is_there_and_a_control_frame_not_until_its_payload_is()
    {
        var protocol = new ProtocolDriver(ProtocolDriver.Settings(WebSocketRole.Server)).Protocol;
        var destination = new MemoryReceiveBuffer(new byte[64]);
        byte[] ping = Wire.Frame(WebSocketRole.Client, Opcode.Ping, "1234"u8);
        byte[] data = Wire.Frame(WebSocketRole.Client, Opcode.Binary, new byte[300]);

        for (int cut = 0; cut < ping.Length; cut++)
        {
            ReceiveEvent partial = protocol.Receive(new ReadOnlySequence<byte>(ping, 0, cut), ref destination, out long consumed);
            Assert.Equal((ReceiveEventKind.NeedMoreData, 0L), (partial.Kind, consumed));
        }

        for (int cut = 0; cut < 8; cut++)
        {
            protocol.Receive(new ReadOnlySequence<byte>(data, 0, cut), ref destination, out long consumed);
            Assert.Equal(0L, consumed);
        }

        // With its header whole, a data frame's payload is taken as it arrives.
        ReceiveEvent piece = protocol.Receive(new ReadOnlySequence<byte>(data, 0, 20), ref destination, out long taken);
        Assert.Equal((ReceiveEventKind.MessageData, 12, false, 20L), (piece.Kind, piece.Count, piece.EndOfMessage, taken));
        Assert.True(protocol.IsInsideFrame);
    }

    [Fact]
    public void The_end_of_the_input_between_frames_is_a_lost_connection_and_inside_one_a_truncated_frame_and_neither_owes_a_close()
    {
        Assert.Equal(new[] { "text 'whole'", "failed ConnectionLost (1006)" }, Run(WebSocketRole.Server, 1, Wire.Text(WebSocketRole.Client, "whole"), end: true));
        Assert.Equal(new[] { "failed TruncatedFrame (1006)" }, Run(WebSocketRole.Server, 1, Wire.Text(WebSocketRole.Client, "cut")[..4], end: true));
        Assert.Equal(new[] { "failed TruncatedFrame (1006)" }, Run(WebSocketRole.Server, 1, Wire.Text(WebSocketRole.Client, "cut")[..8], end: true));
        Assert.Equal(new[] { "failed ConnectionLost (1006)" }, Run(WebSocketRole.Server, 1, Wire.Text(WebSocketRole.Client, "between fragments", isFinal: false), end: true));
    }

    [Fact]
    public void The_first_failure_wins_and_a_later_one_changes_nothing()
    {
        var driver = new ProtocolDriver(ProtocolDriver.Settings(WebSocketRole.Server));

        Assert.True(driver.Protocol.Fail(ProtocolError.KeepAliveTimeout));
        Assert.False(driver.Protocol.Fail(ProtocolError.InvalidUtf8));
        driver.Feed(Wire.Text(WebSocketRole.Client, "ignored"));

        Assert.Equal(ProtocolError.KeepAliveTimeout, driver.Protocol.Failure);
        Assert.Equal(new[] { "failed KeepAliveTimeout (1011)", "sent close 1011 ''" }, driver.Transcript);
    }

    [Theory]
    [MemberData(nameof(RolesAndChunks))]
    public void A_compressed_message_is_inflated_whole_into_a_small_destination_and_the_compressor_of_the_peer_stays_in_step(WebSocketRole role, int chunk)
    {
        (PerMessageDeflateExtension receiving, PerMessageDeflateExtension sending) = Deflate(role);
        var peer = new ProtocolDriver(ProtocolDriver.Settings(Wire.Peer(role)), sending);
        string text = string.Concat(Enumerable.Repeat("compressible chat line ü 😀 ", 200));
        peer.Protocol.WriteMessage(Encoding.UTF8.GetBytes(text), System.Net.WebSockets.WebSocketMessageType.Text, mayCompress: true);
        peer.Protocol.WriteFragment("fragment one, "u8, System.Net.WebSockets.WebSocketMessageType.Text, endOfMessage: false, compress: true, validateText: true);
        peer.Protocol.WriteFragment("fragment two"u8, System.Net.WebSockets.WebSocketMessageType.Text, endOfMessage: true, compress: true, validateText: true);
        peer.Protocol.WriteMessage(Encoding.UTF8.GetBytes(text), System.Net.WebSockets.WebSocketMessageType.Text, mayCompress: true);
        byte[] wire = peer.TakeWritten();
        Assert.True(wire.Length < text.Length, "The messages were not compressed.");

        var driver = new ProtocolDriver(ProtocolDriver.Settings(role), receiving, destinationSize: 7);
        driver.Feed(wire, chunk);

        Assert.Equal(new[] { $"text '{text}'", "text 'fragment one, fragment two'", $"text '{text}'" }, driver.Transcript);
    }

    [Theory]
    [MemberData(nameof(RolesAndChunks))]
    public void Control_frames_between_the_fragments_of_a_compressed_message_leave_it_to_be_inflated_whole(WebSocketRole role, int chunk)
    {
        (PerMessageDeflateExtension receiving, PerMessageDeflateExtension sending) = Deflate(role);
        WebSocketRole peerRole = Wire.Peer(role);
        var peer = new ProtocolDriver(ProtocolDriver.Settings(peerRole), sending);
        peer.Protocol.WriteFragment("first half of a message, "u8, System.Net.WebSockets.WebSocketMessageType.Text, endOfMessage: false, compress: true, validateText: true);
        byte[] first = peer.TakeWritten();
        peer.Protocol.WriteFragment("and its second half"u8, System.Net.WebSockets.WebSocketMessageType.Text, endOfMessage: true, compress: true, validateText: true);
        byte[] second = peer.TakeWritten();
        byte[] wire = Wire.Concat(first, Wire.Frame(peerRole, Opcode.Ping, "p"u8), Wire.Frame(peerRole, Opcode.Pong, ReadOnlySpan<byte>.Empty), second);

        var driver = new ProtocolDriver(ProtocolDriver.Settings(role), receiving, destinationSize: 5);
        driver.Feed(wire, chunk);

        Assert.Equal(new[] { "ping 70", "sent pong 70", "pong ", "text 'first half of a message, and its second half'" }, driver.Transcript);
    }

    [Fact]
    public void A_deflate_bomb_fails_with_1009_after_the_limit_is_inflated_not_after_the_whole()
    {
        (PerMessageDeflateExtension receiving, _) = Deflate(WebSocketRole.Server);
        byte[] bomb = DeflateBomb.Create(64L << 20, out _);
        var driver = new ProtocolDriver(ProtocolDriver.Settings(WebSocketRole.Server, maxMessageSize: 1 << 20), receiving);

        driver.Feed(Wire.Frame(WebSocketRole.Client, Opcode.Binary, bomb, reservedBits: ReservedBits.Rsv1), chunkSize: 4096);

        Assert.Equal(new[] { "failed MessageTooLarge (1009)", "sent close 1009 ''" }, driver.Transcript);
    }

    [Theory]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF }, ProtocolError.InvalidCompressedData)]
    [InlineData(new byte[] { 0xF2, 0x48, 0xCD, 0xC9 }, ProtocolError.InvalidCompressedData)]
    public void Compressed_data_that_is_no_DEFLATE_or_stops_inside_a_block_fails_with_1002(byte[] data, ProtocolError error)
    {
        (PerMessageDeflateExtension receiving, _) = Deflate(WebSocketRole.Server);
        var driver = new ProtocolDriver(ProtocolDriver.Settings(WebSocketRole.Server), receiving);

        driver.Feed(Wire.Frame(WebSocketRole.Client, Opcode.Binary, data, reservedBits: ReservedBits.Rsv1), chunkSize: 1);

        Assert.Equal(new[] { $"failed {error} (1002)", "sent close 1002 ''" }, driver.Transcript);
    }

    [Fact]
    public void Invalid_UTF_8_inside_compressed_text_fails_with_1007()
    {
        (PerMessageDeflateExtension receiving, PerMessageDeflateExtension sending) = Deflate(WebSocketRole.Server);
        var peer = new ProtocolDriver(ProtocolDriver.Settings(WebSocketRole.Client), sending);
        byte[] invalid = Encoding.UTF8.GetBytes(new string('a', 500)).Concat(new byte[] { 0xC0, 0x80 }).ToArray();
        peer.Protocol.WriteMessage(invalid, System.Net.WebSockets.WebSocketMessageType.Binary, mayCompress: true);
        byte[] wire = peer.TakeWritten();
        wire[0] = (byte)((wire[0] & 0xF0) | (byte)Opcode.Text);
        var driver = new ProtocolDriver(ProtocolDriver.Settings(WebSocketRole.Server), receiving);

        driver.Feed(wire);

        Assert.Equal(new[] { "failed InvalidUtf8 (1007)", "sent close 1007 ''" }, driver.Transcript);
    }

    [Fact]
    public void RSV1_on_a_continuation_or_a_control_frame_fails_even_with_permessage_deflate_agreed()
    {
        (PerMessageDeflateExtension receiving, _) = Deflate(WebSocketRole.Server);
        var continuation = new ProtocolDriver(ProtocolDriver.Settings(WebSocketRole.Server), receiving);
        continuation.Feed(Wire.Concat(Wire.Text(WebSocketRole.Client, "a", isFinal: false), Wire.Frame(WebSocketRole.Client, Opcode.Continuation, "b"u8, reservedBits: ReservedBits.Rsv1)));
        var control = new ProtocolDriver(ProtocolDriver.Settings(WebSocketRole.Server), Deflate(WebSocketRole.Server).Receiving);
        control.Feed(Wire.Frame(WebSocketRole.Client, Opcode.Ping, "p"u8, reservedBits: ReservedBits.Rsv1));

        Assert.Equal(new[] { "failed ReservedBitsSet (1002)", "sent close 1002 ''" }, continuation.Transcript);
        Assert.Equal(new[] { "failed ReservedBitsSet (1002)", "sent close 1002 ''" }, control.Transcript);
    }

    /// <summary>permessage-deflate agreed with context takeover: the extension for <paramref name="role"/>, and its peer's.</summary>
    internal static (PerMessageDeflateExtension Receiving, PerMessageDeflateExtension Sending) Deflate(WebSocketRole role)
    {
        var (_, _, server, client) = DeflateNegotiation.Agree(new PerMessageDeflateOptions { CompressionThreshold = 0 }, new PerMessageDeflateOptions { CompressionThreshold = 0 });
        return role == WebSocketRole.Server ? (server, client) : (client, server);
    }
}
