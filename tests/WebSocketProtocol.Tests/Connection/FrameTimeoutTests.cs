using System.Net.WebSockets;
using System;
using System.Buffers.Binary;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Connection;
using WebSocketProtocol.Framing;
using Xunit;

namespace WebSocketProtocol.Tests.Connection;

/// <summary>
/// <see cref="WebSocketConnectionOptions.FrameTimeout"/>: a frame the peer has begun must arrive whole in time, keepalive
/// on or off; else the connection sends 1011, as a keepalive time-out does, and the receive ends as for a lost
/// connection. Only waiting for the peer counts.
/// </summary>
public class FrameTimeoutTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    /// <summary>A server's options with keepalive off (so nothing else ends a stall) and a short frame timeout.</summary>
    private static WebSocketConnectionOptions WithFrameTimeout(TimeSpan frameTimeout)
    {
        WebSocketConnectionOptions options = ConnectionPair.Quiet(WebSocketRole.Server);
        options.FrameTimeout = frameTimeout;
        return options;
    }

    /// <summary>The header of a masked binary frame of <paramref name="length"/> bytes (16-bit length), as a client sends it.</summary>
    private static byte[] MaskedBinaryHeader(ushort length)
    {
        var header = new byte[8];
        header[0] = 0x82;
        header[1] = 0x80 | 126;
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(2), length);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), 0x5eed1234);
        return header;
    }

    private static async Task<ushort> ReadCloseCodeAsync(RawPeer peer)
    {
        while (true)
        {
            Assert.True(await peer.Reader.ReadFrameAsync().AsTask().WaitAsync(Bound));
            Frame frame = peer.Reader.Current;
            if (frame.Header.Opcode == Opcode.Close)
            {
                var payload = new byte[frame.Payload.Length];
                frame.CopyPayloadTo(payload);
                return BinaryPrimitives.ReadUInt16BigEndian(payload);
            }
        }
    }

    [Fact]
    public async Task A_frame_header_that_never_completes_fails_the_connection_with_1011_at_the_frame_timeout_with_keepalive_off()
    {
        using var peer = new RawPeer(WithFrameTimeout(TimeSpan.FromMilliseconds(300)));
        await peer.SendRawAsync(new byte[] { 0x82 });

        WebSocketMessage lost = await peer.UnderTest.ReceiveMessageAsync().AsTask().WaitAsync(Bound);

        Assert.Equal((WebSocketMessageType.Close, (CloseStatus?)CloseStatus.AbnormalClosure, ProtocolError.FrameTimeout), (lost.MessageType, lost.CloseStatus, lost.AbnormalClosureReason));
        Assert.Equal(CloseStatus.InternalServerError, lost.AbnormalClosureReason.ToCloseStatus());
        Assert.Equal((ushort)1011, await ReadCloseCodeAsync(peer));
        Assert.Equal(WebSocketState.Aborted, peer.UnderTest.State);
    }

    [Fact]
    public async Task A_frame_whose_payload_trickles_in_fails_at_the_frame_timeout_though_bytes_keep_arriving()
    {
        using var peer = new RawPeer(WithFrameTimeout(TimeSpan.FromMilliseconds(500)));
        await peer.SendRawAsync(MaskedBinaryHeader(1000));
        Task<WebSocketMessage> receive = peer.UnderTest.ReceiveMessageAsync().AsTask();

        // A byte every 20 ms: each wait is short, but they add up. Stops at the failure, and at worst at the frame's end.
        for (int sent = 0; sent < 999 && !receive.IsCompleted; sent++)
        {
            await peer.SendRawAsync(new byte[] { 0x42 });
            await Task.Delay(20);
        }

        WebSocketMessage lost = await receive.WaitAsync(Bound);
        Assert.Equal((CloseStatus?)CloseStatus.AbnormalClosure, lost.CloseStatus);
        Assert.Equal(ProtocolError.FrameTimeout, lost.AbnormalClosureReason);
        Assert.Equal((ushort)1011, await ReadCloseCodeAsync(peer));
    }

    [Fact]
    public async Task Time_the_application_takes_between_receives_does_not_count_against_the_frame_timeout()
    {
        // The whole frame has arrived: the connection never waits for the peer, however slowly the application reads it.
        using var peer = new RawPeer(WithFrameTimeout(TimeSpan.FromMilliseconds(100)));
        var payload = new byte[8000];
        peer.Writer.WriteFrame(Opcode.Binary, payload);
        await peer.FlushAsync();

        var piece = new byte[1000];
        int received = 0;
        ReceiveResult result;
        do
        {
            result = await peer.UnderTest.ReceiveAsync(piece).AsTask().WaitAsync(Bound);
            received += result.Count;
            await Task.Delay(50);
        }
        while (!result.EndOfMessage);

        Assert.Equal(payload.Length, received);
        Assert.Equal(WebSocketState.Open, peer.UnderTest.State);
    }

    [Fact]
    public async Task An_idle_connection_between_frames_is_not_failed_by_the_frame_timeout()
    {
        using var peer = new RawPeer(WithFrameTimeout(TimeSpan.FromMilliseconds(100)));
        Task<WebSocketMessage> receive = peer.UnderTest.ReceiveMessageAsync().AsTask();

        // Many frame timeouts pass with nothing begun; then a whole message.
        await Task.Delay(1000);
        Assert.False(receive.IsCompleted);
        peer.Writer.WriteFrame(Opcode.Text, "late but whole"u8);
        await peer.FlushAsync();

        Assert.Equal(14, (await receive.WaitAsync(Bound)).Data.Length);
        Assert.Equal(WebSocketState.Open, peer.UnderTest.State);
    }
}
