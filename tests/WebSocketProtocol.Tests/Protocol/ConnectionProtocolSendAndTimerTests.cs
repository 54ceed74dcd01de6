using System;
using System.Linq;
using System.Net.WebSockets;
using System.Text;
using WebSocketProtocol.Extensions.Deflate;
using WebSocketProtocol.Framing;
using WebSocketProtocol.Protocol;
using WebSocketProtocol.Tests.Extensions.Deflate;
using Xunit;

namespace WebSocketProtocol.Tests.Protocol;

/// <summary>The send side of <see cref="ConnectionProtocol"/> and its timers, on their own, in both roles.</summary>
public class ConnectionProtocolSendAndTimerTests
{
    [Theory]
    [InlineData(WebSocketRole.Server)]
    [InlineData(WebSocketRole.Client)]
    public void Fragments_go_out_as_one_message_and_the_peer_protocol_reassembles_them(WebSocketRole role)
    {
        var sender = new ProtocolDriver(ProtocolDriver.Settings(role));
        sender.Protocol.WriteFragment("Hel"u8, WebSocketMessageType.Text, endOfMessage: false, compress: false, validateText: true);
        Assert.True(sender.Protocol.IsSendingMessage);
        Assert.Throws<InvalidOperationException>(() => sender.Protocol.WriteMessage("interleaved"u8, WebSocketMessageType.Text, mayCompress: false));
        sender.Protocol.WriteFragment(new byte[] { 0xC3 }, WebSocketMessageType.Text, endOfMessage: false, compress: false, validateText: true);
        sender.Protocol.WriteFragment(new byte[] { 0xA9, (byte)'!' }, WebSocketMessageType.Binary, endOfMessage: true, compress: false, validateText: false);
        sender.Protocol.WriteMessage(new byte[] { 9 }, WebSocketMessageType.Binary, mayCompress: false);
        byte[] wire = sender.TakeWritten();

        var frames = ProtocolDriver.DecodeFrames(wire);
        var receiver = new ProtocolDriver(ProtocolDriver.Settings(Wire.Peer(role))).Feed(wire, 1);

        Assert.Equal(new[] { Opcode.Text, Opcode.Continuation, Opcode.Continuation, Opcode.Binary }, frames.Select(f => f.Header.Opcode));
        Assert.All(frames, f => Assert.Equal(role == WebSocketRole.Client, f.Header.IsMasked));
        Assert.Equal(new[] { "text 'Helé!'", "binary 09" }, receiver.Transcript);
    }

    [Fact]
    public void A_fragment_of_invalid_text_is_refused_before_anything_is_written_and_the_message_can_go_on()
    {
        var sender = new ProtocolDriver(ProtocolDriver.Settings(WebSocketRole.Server));
        sender.Protocol.WriteFragment(new byte[] { (byte)'a', 0xE2 }, WebSocketMessageType.Text, endOfMessage: false, compress: false, validateText: true);
        int written = sender.TakeWritten().Length;

        Assert.Throws<ArgumentException>(() => sender.Protocol.WriteFragment(new byte[] { 0x41 }, WebSocketMessageType.Text, endOfMessage: true, compress: false, validateText: true));
        Assert.Empty(sender.TakeWritten());
        sender.Protocol.WriteFragment(new byte[] { 0x82, 0xAC }, WebSocketMessageType.Text, endOfMessage: true, compress: false, validateText: true);

        Assert.True(written > 0);
        Assert.False(sender.Protocol.IsSendingMessage);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_message_deflate_would_make_larger_goes_uncompressed_with_RSV1_clear_and_later_messages_repeating_it_still_inflate(bool senderKeepsContext)
    {
        var options = new PerMessageDeflateOptions { ServerNoContextTakeover = !senderKeepsContext, CompressionThreshold = 0 };
        var (_, _, sending, receiving) = DeflateNegotiation.Agree(options, options);
        var sender = new ProtocolDriver(ProtocolDriver.Settings(WebSocketRole.Server), sending);
        byte[] random = new byte[300];
        new Random(7).NextBytes(random);
        byte[] compressible = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("abcabcabc ", 60)));
        byte[] both = random.Concat(compressible).ToArray();

        sender.Protocol.WriteMessage(compressible, WebSocketMessageType.Binary, mayCompress: true);
        sender.Protocol.WriteMessage(random, WebSocketMessageType.Binary, mayCompress: true);
        sender.Protocol.WriteMessage(both, WebSocketMessageType.Binary, mayCompress: true);
        byte[] wire = sender.TakeWritten();
        var frames = ProtocolDriver.DecodeFrames(wire);
        var receiver = new ProtocolDriver(ProtocolDriver.Settings(WebSocketRole.Client), receiving).Feed(wire);

        // The random message goes as it is, with or without context takeover. The last one repeats it: a compressor that
        // still remembered it would refer back to bytes the peer never inflated, so it inflates only if the sender forgot.
        Assert.Equal(new[] { ReservedBits.Rsv1, ReservedBits.None, ReservedBits.Rsv1 }, frames.Select(f => f.Header.ReservedBits));
        Assert.Equal(random, frames[1].Payload);
        Assert.True(frames[2].Payload.Length > random.Length);
        Assert.Equal(new[] { "binary " + ProtocolDriver.Hex(compressible), "binary " + ProtocolDriver.Hex(random), "binary " + ProtocolDriver.Hex(both) }, receiver.Transcript);
    }

    [Fact]
    public void Our_close_goes_out_once_and_after_it_messages_are_refused_and_pings_and_pongs_are_not_written()
    {
        var driver = new ProtocolDriver(ProtocolDriver.Settings(WebSocketRole.Client));

        Assert.True(driver.Protocol.WriteClose(CloseStatus.NormalClosure, "done".AsSpan()));
        driver.RecordWritten();
        Assert.False(driver.Protocol.WriteClose(CloseStatus.GoingAway, ReadOnlySpan<char>.Empty));
        Assert.Throws<InvalidOperationException>(() => driver.Protocol.WriteMessage("late"u8, WebSocketMessageType.Text, mayCompress: false));
        Assert.False(driver.Protocol.WritePing(ReadOnlySpan<byte>.Empty));
        driver.Feed(Wire.Frame(WebSocketRole.Server, Opcode.Ping, "p"u8));
        driver.RecordWritten();

        Assert.Equal(new[] { "sent close 1000 'done'", "ping 70" }, driver.Transcript);
        Assert.Equal(WebSocketState.CloseSent, driver.Protocol.State);
    }

    private static ConnectionProtocol WithTimers(long keepAliveInterval = 0, long keepAliveTimeout = 0, long idle = 0, long frame = 0) =>
        new(new ProtocolSettings(WebSocketRole.Server)
        {
            KeepAliveIntervalMilliseconds = keepAliveInterval,
            KeepAliveTimeoutMilliseconds = keepAliveTimeout,
            IdleTimeoutMilliseconds = idle,
            FrameTimeoutMilliseconds = frame,
        }, null, new System.Buffers.ArrayBufferWriter<byte>(), now: 1000);

    [Fact]
    public void A_keepalive_ping_falls_due_at_the_interval_and_an_unanswered_one_fails_with_1011_at_its_timeout()
    {
        ConnectionProtocol protocol = WithTimers(keepAliveInterval: 100, keepAliveTimeout: 300);

        Assert.Equal(TickAction.None, protocol.OnTick(1050));
        Assert.Equal(TickAction.SendPing, protocol.OnTick(1100));
        Assert.Equal(TickAction.None, protocol.OnTick(1400));
        Assert.Equal(TickAction.Fail, protocol.OnTick(1401));

        Assert.Equal(ProtocolError.KeepAliveTimeout, protocol.Failure);
        Assert.Equal(TickAction.None, protocol.OnTick(2000));
    }

    [Fact]
    public void A_pong_clears_the_outstanding_ping_so_the_next_one_falls_due()
    {
        ConnectionProtocol protocol = WithTimers(keepAliveInterval: 100, keepAliveTimeout: 300);
        var destination = new MemoryReceiveBuffer(new byte[8]);
        Assert.Equal(TickAction.SendPing, protocol.OnTick(1100));

        protocol.Receive(new System.Buffers.ReadOnlySequence<byte>(Wire.Frame(WebSocketRole.Client, Opcode.Pong, ReadOnlySpan<byte>.Empty)), ref destination, out _);

        Assert.Equal(TickAction.SendPing, protocol.OnTick(1500));
        Assert.Equal(ProtocolError.None, protocol.Failure);
    }

    [Fact]
    public void Nothing_received_for_the_idle_timeout_fails_with_1001_and_a_frame_received_resets_it()
    {
        ConnectionProtocol protocol = WithTimers(idle: 500);
        var destination = new MemoryReceiveBuffer(new byte[8]);
        Assert.Equal(TickAction.None, protocol.OnTick(1400));
        protocol.Receive(new System.Buffers.ReadOnlySequence<byte>(Wire.Frame(WebSocketRole.Client, Opcode.Pong, ReadOnlySpan<byte>.Empty)), ref destination, out _);

        Assert.Equal(TickAction.None, protocol.OnTick(1600));
        Assert.Equal(TickAction.Fail, protocol.OnTick(2101));
        Assert.Equal((ProtocolError.IdleTimeout, CloseStatus.GoingAway), (protocol.Failure, protocol.Failure.ToCloseStatus()));
    }

    [Fact]
    public void Only_waits_inside_a_frame_count_against_the_frame_timeout_and_they_add_up()
    {
        ConnectionProtocol protocol = WithTimers(frame: 300);
        protocol.BeginWaitInsideFrame(1000);
        protocol.EndWaitInsideFrame(1200);
        Assert.Equal(TickAction.None, protocol.OnTick(5000));

        protocol.BeginWaitInsideFrame(5000);
        Assert.Equal(TickAction.None, protocol.OnTick(5050));
        Assert.Equal(TickAction.Fail, protocol.OnTick(5200));
        Assert.Equal(ProtocolError.FrameTimeout, protocol.Failure);
    }

    [Fact]
    public void A_frame_received_to_its_end_starts_the_next_one_with_no_waiting_counted()
    {
        ConnectionProtocol protocol = WithTimers(frame: 300);
        var destination = new MemoryReceiveBuffer(new byte[8]);
        protocol.BeginWaitInsideFrame(1000);
        protocol.EndWaitInsideFrame(1250);

        protocol.Receive(new System.Buffers.ReadOnlySequence<byte>(Wire.Frame(WebSocketRole.Client, Opcode.Binary, "x"u8)), ref destination, out _);
        protocol.BeginWaitInsideFrame(2000);

        Assert.Equal(TickAction.None, protocol.OnTick(2200));
    }
}
