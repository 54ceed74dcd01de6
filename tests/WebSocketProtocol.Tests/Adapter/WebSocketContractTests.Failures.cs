using System;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace WebSocketProtocol.Tests.Adapter;

/// <content>Cancellation, abort, a peer that breaks the protocol or vanishes, and where the adapter is stricter.</content>
public abstract partial class WebSocketContractTests
{
    [Fact]
    public async Task Cancelling_a_pending_receive_throws_OperationCanceledException_aborts_and_drops_the_connection()
    {
        using WebSocketTestPair pair = await ConnectAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        using var cancel = new CancellationTokenSource();

        Task<WebSocketReceiveResult> receive = pair.UnderTest.ReceiveAsync(new ArraySegment<byte>(new byte[16]), cancel.Token);
        Assert.False(receive.IsCompleted);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => receive);
        Assert.Equal(WebSocketState.Aborted, pair.UnderTest.State);
        WebSocketException send = await Assert.ThrowsAsync<WebSocketException>(() => pair.UnderTest.SendAsync(new byte[1].AsMemory(), WebSocketMessageType.Binary, true, timeout.Token).AsTask());
        Assert.Equal(WebSocketError.InvalidState, send.WebSocketErrorCode);
        WebSocketException atPeer = await Assert.ThrowsAsync<WebSocketException>(() => pair.Peer.ReceiveAsync(new ArraySegment<byte>(new byte[16]), timeout.Token));
        Assert.Equal(WebSocketError.ConnectionClosedPrematurely, atPeer.WebSocketErrorCode);
    }

    [Fact]
    public async Task A_receive_with_an_already_cancelled_token_throws_OperationCanceledException_and_aborts()
    {
        using WebSocketTestPair pair = await ConnectAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pair.UnderTest.ReceiveAsync(new ArraySegment<byte>(new byte[16]), new CancellationToken(true)));

        Assert.Equal(WebSocketState.Aborted, pair.UnderTest.State);
    }

    [Fact]
    public async Task A_send_with_an_already_cancelled_token_throws_OperationCanceledException_and_stays_Open()
    {
        using WebSocketTestPair pair = await ConnectAsync();
        using var timeout = new CancellationTokenSource(Timeout);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pair.UnderTest.SendAsync(new byte[1].AsMemory(), WebSocketMessageType.Binary, true, new CancellationToken(true)).AsTask());

        Assert.Equal(WebSocketState.Open, pair.UnderTest.State);
        await pair.UnderTest.SendAsync(new byte[] { 7 }.AsMemory(), WebSocketMessageType.Binary, true, timeout.Token);
        (_, byte[] data) = await ReceiveMessageAsync(pair.Peer, 16, timeout.Token);
        Assert.Equal(new byte[] { 7 }, data);
    }

    [Fact]
    public async Task Cancelling_a_send_held_up_by_a_peer_that_does_not_read_throws_OperationCanceledException_and_aborts()
    {
        using WebSocketTestPair pair = await ConnectAsync();
        using var cancel = new CancellationTokenSource();

        // Far more than the loopback socket buffers hold, so the send cannot finish while the peer reads nothing.
        Task send = pair.UnderTest.SendAsync(new byte[32 * 1024 * 1024].AsMemory(), WebSocketMessageType.Binary, true, cancel.Token).AsTask();
        Assert.False(send.IsCompleted);
        await cancel.CancelAsync();

        // Bounded: an abort that tried to write the rest of the message would hang here.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => send.WaitAsync(Timeout));
        Assert.Equal(WebSocketState.Aborted, pair.UnderTest.State);
    }

    [Fact]
    public async Task Abort_ends_a_pending_receive_with_OperationCanceledException_and_leaves_Aborted_without_a_close_frame()
    {
        using WebSocketTestPair pair = await ConnectAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        Task<WebSocketReceiveResult> receive = pair.UnderTest.ReceiveAsync(new ArraySegment<byte>(new byte[16]), timeout.Token);

        pair.UnderTest.Abort();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => receive);
        Assert.Equal(WebSocketState.Aborted, pair.UnderTest.State);
        Assert.Null(pair.UnderTest.CloseStatus);
        pair.UnderTest.Dispose();
        Assert.Equal(WebSocketState.Aborted, pair.UnderTest.State);
        WebSocketException atPeer = await Assert.ThrowsAsync<WebSocketException>(() => pair.Peer.ReceiveAsync(new ArraySegment<byte>(new byte[16]), timeout.Token));
        Assert.Equal(WebSocketError.ConnectionClosedPrematurely, atPeer.WebSocketErrorCode);
    }

    [Fact]
    public async Task A_peer_that_drops_the_connection_without_a_close_fails_the_receive_with_ConnectionClosedPrematurely_and_Aborted()
    {
        using WebSocketTestPair pair = await ConnectAsync();
        using var timeout = new CancellationTokenSource(Timeout);

        pair.PeerStream.Socket.Shutdown(System.Net.Sockets.SocketShutdown.Both);
        WebSocketException failure = await Assert.ThrowsAsync<WebSocketException>(() => pair.UnderTest.ReceiveAsync(new ArraySegment<byte>(new byte[16]), timeout.Token));

        Assert.Equal(WebSocketError.ConnectionClosedPrematurely, failure.WebSocketErrorCode);
        Assert.Equal(WebSocketState.Aborted, pair.UnderTest.State);
    }

    [Fact]
    public async Task Invalid_UTF8_text_from_the_peer_fails_the_receive_with_WebSocketException_sends_close_1007_and_aborts()
    {
        using WebSocketTestPair pair = await ConnectAsync();
        using var timeout = new CancellationTokenSource(Timeout);

        await RawFrames.WriteAsync(pair.PeerStream, RawFrames.Text, fin: true, new byte[] { (byte)'o', (byte)'k', 0xC3, 0x28 }, pair.PeerIsClient, timeout.Token);
        WebSocketException failure = await Assert.ThrowsAsync<WebSocketException>(() => pair.UnderTest.ReceiveAsync(new ArraySegment<byte>(new byte[16]), timeout.Token));

        Assert.Equal(WebSocketError.Faulted, failure.WebSocketErrorCode);
        Assert.Equal(WebSocketState.Aborted, pair.UnderTest.State);
        Assert.Equal((ushort)1007, await RawFrames.ReadCloseCodeAsync(pair.PeerStream, timeout.Token));
    }

    [Fact]
    public async Task Invalid_UTF8_in_a_later_fragment_fails_that_receive_after_the_valid_first_fragment_was_delivered()
    {
        using WebSocketTestPair pair = await ConnectAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        var buffer = new byte[16];

        await RawFrames.WriteAsync(pair.PeerStream, RawFrames.Text, fin: false, "abc"u8.ToArray(), pair.PeerIsClient, timeout.Token);
        ValueWebSocketReceiveResult first = await pair.UnderTest.ReceiveAsync(buffer.AsMemory(), timeout.Token);
        Assert.Equal(3, first.Count);
        Assert.False(first.EndOfMessage);
        Assert.Equal("abc", StrictUtf8.GetString(buffer, 0, 3));

        await RawFrames.WriteAsync(pair.PeerStream, RawFrames.Continuation, fin: true, new byte[] { 0xFF }, pair.PeerIsClient, timeout.Token);
        WebSocketException failure = await Assert.ThrowsAsync<WebSocketException>(() => pair.UnderTest.ReceiveAsync(buffer.AsMemory(), timeout.Token).AsTask());

        Assert.Equal(WebSocketError.Faulted, failure.WebSocketErrorCode);
        Assert.Equal(WebSocketState.Aborted, pair.UnderTest.State);
        Assert.Equal((ushort)1007, await RawFrames.ReadCloseCodeAsync(pair.PeerStream, timeout.Token));
    }

    [Fact]
    public async Task A_close_frame_without_a_body_is_reported_as_NormalClosure_with_an_empty_description()
    {
        using WebSocketTestPair pair = await ConnectAsync();
        using var timeout = new CancellationTokenSource(Timeout);

        await RawFrames.WriteAsync(pair.PeerStream, RawFrames.Close, fin: true, Array.Empty<byte>(), pair.PeerIsClient, timeout.Token);
        WebSocketReceiveResult result = await pair.UnderTest.ReceiveAsync(new ArraySegment<byte>(new byte[16]), timeout.Token);

        // RFC 6455 section 7.1.5 calls this 1005; ManagedWebSocket reports NormalClosure, and so does the adapter, so code
        // that checks for a clean close (a browser's close() sends no body) behaves the same.
        Assert.Equal(WebSocketMessageType.Close, result.MessageType);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, result.CloseStatus);
        Assert.Equal(string.Empty, result.CloseStatusDescription);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, pair.UnderTest.CloseStatus);
        Assert.Equal(WebSocketState.CloseReceived, pair.UnderTest.State);
    }

    [Fact]
    public async Task Closing_with_CloseStatus_Empty_sends_no_body_from_the_adapter_but_code_1005_from_ManagedWebSocket()
    {
        using WebSocketTestPair pair = await ConnectAsync();
        using var timeout = new CancellationTokenSource(Timeout);

        await pair.UnderTest.CloseOutputAsync(WebSocketCloseStatus.Empty, null, timeout.Token);
        (byte first, byte[] body) = await RawFrames.ReadAsync(pair.PeerStream, timeout.Token);

        Assert.Equal(0x88, first);
        Assert.Equal(WebSocketState.CloseSent, pair.UnderTest.State);
        if (IsAdapter)
        {
            // Deliberate: 1005 means "no status" and may not appear on the wire (RFC 6455 section 7.4.1); no body says so.
            Assert.Empty(body);
        }
        else
        {
            Assert.Equal(new byte[] { 0x03, 0xED }, body);
        }
    }

    [Fact]
    public async Task Sending_invalid_UTF8_as_text_is_refused_by_the_adapter_but_sent_by_ManagedWebSocket()
    {
        using WebSocketTestPair pair = await ConnectAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        byte[] invalid = { (byte)'h', 0xC3, 0x28 };

        if (IsAdapter)
        {
            // Deliberate: RFC 6455 section 8.1 makes text UTF-8, so the adapter refuses it before anything is sent.
            await Assert.ThrowsAsync<ArgumentException>(() => pair.UnderTest.SendAsync(invalid.AsMemory(), WebSocketMessageType.Text, true, timeout.Token).AsTask());
            Assert.Equal(WebSocketState.Open, pair.UnderTest.State);
            await pair.UnderTest.SendAsync(new byte[] { 9 }.AsMemory(), WebSocketMessageType.Binary, true, timeout.Token);
            (WebSocketMessageType type, byte[] data) = await ReceiveMessageAsync(pair.Peer, 16, timeout.Token);
            Assert.Equal(WebSocketMessageType.Binary, type);
            Assert.Equal(new byte[] { 9 }, data);
        }
        else
        {
            // ManagedWebSocket sends it as it is; the peer fails on it.
            await pair.UnderTest.SendAsync(invalid.AsMemory(), WebSocketMessageType.Text, true, timeout.Token);
            WebSocketException atPeer = await Assert.ThrowsAsync<WebSocketException>(() => ReceiveMessageAsync(pair.Peer, 16, timeout.Token));
            Assert.Equal(WebSocketError.Faulted, atPeer.WebSocketErrorCode);
        }
    }

    [Fact]
    public async Task A_part_with_invalid_UTF8_is_refused_by_the_adapter_leaving_the_message_open_but_sent_by_ManagedWebSocket()
    {
        using WebSocketTestPair pair = await ConnectAsync();
        using var timeout = new CancellationTokenSource(Timeout);

        await pair.UnderTest.SendAsync("ab"u8.ToArray().AsMemory(), WebSocketMessageType.Text, false, timeout.Token);
        if (IsAdapter)
        {
            await Assert.ThrowsAsync<ArgumentException>(() => pair.UnderTest.SendAsync(new byte[] { 0xFF }.AsMemory(), WebSocketMessageType.Text, false, timeout.Token).AsTask());
            await pair.UnderTest.SendAsync("cd"u8.ToArray().AsMemory(), WebSocketMessageType.Text, true, timeout.Token);
            (WebSocketMessageType type, byte[] data) = await ReceiveMessageAsync(pair.Peer, 16, timeout.Token);

            Assert.Equal(WebSocketMessageType.Text, type);
            Assert.Equal("abcd", StrictUtf8.GetString(data));
        }
        else
        {
            await pair.UnderTest.SendAsync(new byte[] { 0xFF }.AsMemory(), WebSocketMessageType.Text, false, timeout.Token);
            await pair.UnderTest.SendAsync("cd"u8.ToArray().AsMemory(), WebSocketMessageType.Text, true, timeout.Token);
            WebSocketException atPeer = await Assert.ThrowsAsync<WebSocketException>(() => ReceiveMessageAsync(pair.Peer, 16, timeout.Token));

            Assert.Equal(WebSocketError.Faulted, atPeer.WebSocketErrorCode);
        }
    }

    [Theory]
    [InlineData(1004)]
    [InlineData(2999)]
    [InlineData(5000)]
    public async Task A_close_code_RFC_6455_keeps_off_the_wire_is_refused_by_the_adapter_but_sent_by_ManagedWebSocket(int code)
    {
        using WebSocketTestPair pair = await ConnectAsync();
        using var timeout = new CancellationTokenSource(Timeout);

        if (IsAdapter)
        {
            // Deliberate: RFC 6455 section 7.4 reserves these; a peer that checks fails the connection on them.
            await Assert.ThrowsAsync<ArgumentException>(() => pair.UnderTest.CloseOutputAsync((WebSocketCloseStatus)code, null, timeout.Token));
            Assert.Equal(WebSocketState.Open, pair.UnderTest.State);
        }
        else
        {
            await pair.UnderTest.CloseOutputAsync((WebSocketCloseStatus)code, null, timeout.Token);
            Assert.Equal(WebSocketState.CloseSent, pair.UnderTest.State);
            Assert.Equal((ushort)code, await RawFrames.ReadCloseCodeAsync(pair.PeerStream, timeout.Token));
        }
    }

    [Fact]
    public async Task A_message_over_the_connections_limit_fails_the_adapter_with_1009_but_ManagedWebSocket_has_no_limit()
    {
        using WebSocketTestPair pair = await ConnectAsync(maxMessageSize: 64 * 1024);
        using var timeout = new CancellationTokenSource(Timeout);
        byte[] message = Pattern(64 * 1024 + 1);

        if (IsAdapter)
        {
            // Deliberate: WebSocketConnectionOptions.MaxMessageSize bounds a message even when it is streamed in pieces.
            Task send = pair.Peer.SendAsync(message.AsMemory(), WebSocketMessageType.Binary, true, timeout.Token).AsTask();
            WebSocketException failure = await Assert.ThrowsAsync<WebSocketException>(() => ReceiveMessageAsync(pair.UnderTest, 1024, timeout.Token));
            Assert.Equal(WebSocketError.Faulted, failure.WebSocketErrorCode);
            Assert.Equal(WebSocketState.Aborted, pair.UnderTest.State);
            WebSocketReceiveResult atPeer = await pair.Peer.ReceiveAsync(new ArraySegment<byte>(new byte[16]), timeout.Token);
            Assert.Equal(WebSocketCloseStatus.MessageTooBig, atPeer.CloseStatus);
            try
            {
                await send;
            }
            catch (WebSocketException)
            {
                // The adapter dropped the connection; the peer's send may or may not have been all written by then.
            }
        }
        else
        {
            Task send = pair.Peer.SendAsync(message.AsMemory(), WebSocketMessageType.Binary, true, timeout.Token).AsTask();
            (_, byte[] received) = await ReceiveMessageAsync(pair.UnderTest, 1024, timeout.Token);
            await send;
            Assert.Equal(message, received);
        }
    }
}
