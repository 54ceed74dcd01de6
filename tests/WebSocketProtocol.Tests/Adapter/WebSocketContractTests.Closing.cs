using System;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace WebSocketProtocol.Tests.Adapter;

/// <content>The closing handshake, started by either side, and what is allowed after it.</content>
public abstract partial class WebSocketContractTests
{
    [Fact]
    public async Task CloseAsync_sends_the_close_goes_CloseSent_until_the_peer_answers_then_Closed_with_the_peers_status()
    {
        using WebSocketTestPair pair = await ConnectAsync();
        using var timeout = new CancellationTokenSource(Timeout);

        Task close = pair.UnderTest.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token);
        WebSocketReceiveResult atPeer = await pair.Peer.ReceiveAsync(new ArraySegment<byte>(new byte[16]), timeout.Token);

        Assert.Equal(WebSocketMessageType.Close, atPeer.MessageType);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, atPeer.CloseStatus);
        Assert.Equal("bye", atPeer.CloseStatusDescription);
        Assert.Equal(WebSocketState.CloseSent, pair.UnderTest.State);
        Assert.False(close.IsCompleted, "CloseAsync waits for the peer's close frame.");
        Assert.Null(pair.UnderTest.CloseStatus);

        await pair.Peer.CloseAsync(WebSocketCloseStatus.EndpointUnavailable, "going", timeout.Token);
        await close;

        Assert.Equal(WebSocketState.Closed, pair.UnderTest.State);
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, pair.UnderTest.CloseStatus);
        Assert.Equal("going", pair.UnderTest.CloseStatusDescription);
        Assert.Equal(WebSocketState.Closed, pair.Peer.State);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Close_from_the_peer_is_received_as_a_Close_result_leaves_CloseReceived_and_the_answer_is_the_applications(bool answerWithCloseOutput)
    {
        using WebSocketTestPair pair = await ConnectAsync();
        using var timeout = new CancellationTokenSource(Timeout);

        Task peerClose = pair.Peer.CloseAsync(WebSocketCloseStatus.PolicyViolation, "peer bye", timeout.Token);
        WebSocketReceiveResult result = await pair.UnderTest.ReceiveAsync(new ArraySegment<byte>(new byte[16]), timeout.Token);

        Assert.Equal(WebSocketMessageType.Close, result.MessageType);
        Assert.Equal(0, result.Count);
        Assert.True(result.EndOfMessage);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, result.CloseStatus);
        Assert.Equal("peer bye", result.CloseStatusDescription);
        Assert.Equal(WebSocketState.CloseReceived, pair.UnderTest.State);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, pair.UnderTest.CloseStatus);
        Assert.Equal("peer bye", pair.UnderTest.CloseStatusDescription);
        Assert.False(peerClose.IsCompleted, "The peer waits for the application's answer.");

        // Sending is still allowed after the peer's close: its CloseAsync discards what arrives before the close.
        await pair.UnderTest.SendAsync(new byte[] { 1, 2, 3 }.AsMemory(), WebSocketMessageType.Binary, true, timeout.Token);
        if (answerWithCloseOutput)
        {
            await pair.UnderTest.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "ack", timeout.Token);
        }
        else
        {
            await pair.UnderTest.CloseAsync(WebSocketCloseStatus.NormalClosure, "ack", timeout.Token);
        }

        await peerClose;

        Assert.Equal(WebSocketState.Closed, pair.UnderTest.State);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, pair.UnderTest.CloseStatus);
        Assert.Equal(WebSocketState.Closed, pair.Peer.State);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, pair.Peer.CloseStatus);
        Assert.Equal("ack", pair.Peer.CloseStatusDescription);
    }

    [Fact]
    public async Task CloseOutputAsync_returns_at_once_in_CloseSent_and_messages_then_the_peers_close_still_arrive()
    {
        using WebSocketTestPair pair = await ConnectAsync();
        using var timeout = new CancellationTokenSource(Timeout);

        await pair.UnderTest.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done sending", timeout.Token);

        Assert.Equal(WebSocketState.CloseSent, pair.UnderTest.State);
        await Assert.ThrowsAsync<WebSocketException>(() => pair.UnderTest.SendAsync(new byte[1].AsMemory(), WebSocketMessageType.Binary, true, timeout.Token).AsTask());

        WebSocketReceiveResult atPeer = await pair.Peer.ReceiveAsync(new ArraySegment<byte>(new byte[16]), timeout.Token);
        Assert.Equal(WebSocketMessageType.Close, atPeer.MessageType);
        Assert.Equal("done sending", atPeer.CloseStatusDescription);
        await pair.Peer.SendAsync(StrictUtf8.GetBytes("late").AsMemory(), WebSocketMessageType.Text, true, timeout.Token);
        await pair.Peer.CloseOutputAsync(WebSocketCloseStatus.EndpointUnavailable, "peer done", timeout.Token);

        (WebSocketMessageType type, byte[] late) = await ReceiveMessageAsync(pair.UnderTest, 16, timeout.Token);
        Assert.Equal(WebSocketMessageType.Text, type);
        Assert.Equal("late", StrictUtf8.GetString(late));
        Assert.Equal(WebSocketState.CloseSent, pair.UnderTest.State);

        WebSocketReceiveResult close = await pair.UnderTest.ReceiveAsync(new ArraySegment<byte>(new byte[16]), timeout.Token);
        Assert.Equal(WebSocketMessageType.Close, close.MessageType);
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, close.CloseStatus);
        Assert.Equal("peer done", close.CloseStatusDescription);
        Assert.Equal(WebSocketState.Closed, pair.UnderTest.State);
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, pair.UnderTest.CloseStatus);
    }

    [Fact]
    public async Task A_receive_pending_while_CloseAsync_runs_returns_the_peers_close_and_both_complete()
    {
        using WebSocketTestPair pair = await ConnectAsync();
        using var timeout = new CancellationTokenSource(Timeout);

        Task<WebSocketReceiveResult> receive = pair.UnderTest.ReceiveAsync(new ArraySegment<byte>(new byte[16]), timeout.Token);
        Task close = pair.UnderTest.CloseAsync(WebSocketCloseStatus.NormalClosure, "closing", timeout.Token);
        WebSocketReceiveResult atPeer = await pair.Peer.ReceiveAsync(new ArraySegment<byte>(new byte[16]), timeout.Token);
        Assert.Equal(WebSocketMessageType.Close, atPeer.MessageType);
        await pair.Peer.CloseAsync(WebSocketCloseStatus.NormalClosure, "answer", timeout.Token);

        WebSocketReceiveResult received = await receive;
        await close;

        Assert.Equal(WebSocketMessageType.Close, received.MessageType);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, received.CloseStatus);
        Assert.Equal("answer", received.CloseStatusDescription);
        Assert.Equal(WebSocketState.Closed, pair.UnderTest.State);
    }

    [Fact]
    public async Task After_the_closing_handshake_receive_send_and_close_throw_WebSocketException_InvalidState()
    {
        using WebSocketTestPair pair = await ConnectAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        Task close = pair.UnderTest.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
        await pair.Peer.ReceiveAsync(new ArraySegment<byte>(new byte[16]), timeout.Token);
        await pair.Peer.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
        await close;

        var receive = await Assert.ThrowsAsync<WebSocketException>(() => pair.UnderTest.ReceiveAsync(new ArraySegment<byte>(new byte[16]), timeout.Token));
        var receiveMemory = await Assert.ThrowsAsync<WebSocketException>(() => pair.UnderTest.ReceiveAsync(new byte[16].AsMemory(), timeout.Token).AsTask());
        var send = await Assert.ThrowsAsync<WebSocketException>(() => pair.UnderTest.SendAsync(new ArraySegment<byte>(new byte[1]), WebSocketMessageType.Binary, true, timeout.Token));
        var closeAgain = await Assert.ThrowsAsync<WebSocketException>(() => pair.UnderTest.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token));
        var closeOutput = await Assert.ThrowsAsync<WebSocketException>(() => pair.UnderTest.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token));

        Assert.All(new[] { receive, receiveMemory, send, closeAgain, closeOutput }, e => Assert.Equal(WebSocketError.InvalidState, e.WebSocketErrorCode));
        Assert.Equal(WebSocketState.Closed, pair.UnderTest.State);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, pair.UnderTest.CloseStatus);
        Assert.Equal(string.Empty, pair.UnderTest.CloseStatusDescription);
    }

    [Fact]
    public async Task After_the_peers_close_a_receive_throws_WebSocketException_InvalidState()
    {
        using WebSocketTestPair pair = await ConnectAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        await pair.Peer.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token);
        await pair.UnderTest.ReceiveAsync(new ArraySegment<byte>(new byte[16]), timeout.Token);

        WebSocketException again = await Assert.ThrowsAsync<WebSocketException>(() => pair.UnderTest.ReceiveAsync(new ArraySegment<byte>(new byte[16]), timeout.Token));

        Assert.Equal(WebSocketError.InvalidState, again.WebSocketErrorCode);
        Assert.Equal(WebSocketState.CloseReceived, pair.UnderTest.State);
    }

    [Fact]
    public async Task Dispose_leaves_Closed_closes_the_transport_and_later_calls_throw()
    {
        using WebSocketTestPair pair = await ConnectAsync();
        using var timeout = new CancellationTokenSource(Timeout);

        pair.UnderTest.Dispose();
        pair.UnderTest.Dispose();
        pair.UnderTest.Abort();

        Assert.Equal(WebSocketState.Closed, pair.UnderTest.State);
        var receive = await Assert.ThrowsAsync<WebSocketException>(() => pair.UnderTest.ReceiveAsync(new ArraySegment<byte>(new byte[16]), timeout.Token));
        var send = await Assert.ThrowsAsync<WebSocketException>(() => pair.UnderTest.SendAsync(new ArraySegment<byte>(new byte[1]), WebSocketMessageType.Binary, true, timeout.Token));
        Assert.Equal(WebSocketError.InvalidState, receive.WebSocketErrorCode);
        Assert.Equal(WebSocketError.InvalidState, send.WebSocketErrorCode);

        // No close frame went out: the peer sees the connection end without one.
        WebSocketException atPeer = await Assert.ThrowsAsync<WebSocketException>(() => pair.Peer.ReceiveAsync(new ArraySegment<byte>(new byte[16]), timeout.Token));
        Assert.Equal(WebSocketError.ConnectionClosedPrematurely, atPeer.WebSocketErrorCode);
    }

    [Fact]
    public async Task Dispose_during_a_pending_receive_ends_it_with_an_exception_and_leaves_Closed()
    {
        using WebSocketTestPair pair = await ConnectAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        Task<WebSocketReceiveResult> receive = pair.UnderTest.ReceiveAsync(new ArraySegment<byte>(new byte[16]), timeout.Token);

        pair.UnderTest.Dispose();
        Exception failure = await Assert.ThrowsAnyAsync<Exception>(() => receive);

        Assert.Equal(WebSocketState.Closed, pair.UnderTest.State);
        Assert.IsType<WebSocketException>(failure);
        Assert.Equal(WebSocketError.ConnectionClosedPrematurely, ((WebSocketException)failure).WebSocketErrorCode);
    }
}
