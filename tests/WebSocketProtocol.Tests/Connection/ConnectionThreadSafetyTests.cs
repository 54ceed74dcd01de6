using System.Net.WebSockets;
using System;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Connection;
using WebSocketProtocol.Framing;
using WebSocketProtocol.Tests.Support;
using Xunit;

namespace WebSocketProtocol.Tests.Connection;

/// <summary>
/// The thread-safety contract in <see cref="WebSocketConnection"/>'s remarks, one case at a time: a close started beside a
/// receive loop, a dispose under a receive, and a pong that a peer never reads. <see cref="ConnectionRaceStressTests"/>
/// runs the same calls against each other at random moments.
/// </summary>
public class ConnectionThreadSafetyTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_receive_called_while_CloseAsync_reads_for_the_application_takes_over_and_gets_the_next_message_then_the_close()
    {
        // The application's receive loop is between two receives when another thread closes: CloseAsync reads for it.
        using var pair = new ConnectionPair();
        await pair.Client.SendTextAsync("first");
        Assert.Equal("first", Encoding.UTF8.GetString((await pair.Server.ReceiveMessageAsync().AsTask().WaitAsync(Bound)).Data.Span));
        Task closing = pair.Server.CloseAsync(CloseStatus.GoingAway, "leaving");

        // The loop comes back for the next message, which arrives only now: it is delivered, then the peer's close.
        Task<WebSocketMessage> next = pair.Server.ReceiveMessageAsync().AsTask();
        await pair.Client.SendTextAsync("second");
        WebSocketMessage second = await next.WaitAsync(Bound);
        Task<WebSocketMessage> clientSeesClose = pair.Client.ReceiveMessageAsync().AsTask();
        WebSocketMessage close = await pair.Server.ReceiveMessageAsync().AsTask().WaitAsync(Bound);
        await closing.WaitAsync(Bound);

        Assert.Equal("second", Encoding.UTF8.GetString(second.Data.Span));
        Assert.Equal((WebSocketMessageType.Close, (CloseStatus?)CloseStatus.GoingAway), (close.MessageType, close.CloseStatus));
        Assert.Equal(CloseStatus.GoingAway, (await clientSeesClose.WaitAsync(Bound)).CloseStatus);
        Assert.Equal(WebSocketState.Closed, pair.Server.State);
    }

    [Fact]
    public async Task A_receive_called_after_CloseAsync_read_the_peers_close_for_the_application_returns_that_close()
    {
        using var pair = new ConnectionPair();
        await pair.Client.SendTextAsync("discarded: nobody was receiving");
        Task closing = pair.Server.CloseAsync(CloseStatus.GoingAway);

        // The client's receive answers with the same code; its CloseAsync then waits for the server to end the transport.
        WebSocketMessage atClient = await pair.Client.ReceiveMessageAsync().AsTask().WaitAsync(Bound);
        await pair.Client.CloseAsync(CloseStatus.NormalClosure).WaitAsync(Bound);
        await closing.WaitAsync(Bound);

        // The loop comes back after the whole handshake: it learns how the connection ended, once.
        WebSocketMessage close = await pair.Server.ReceiveMessageAsync().AsTask().WaitAsync(Bound);

        Assert.Equal(WebSocketMessageType.Close, atClient.MessageType);
        Assert.Equal((WebSocketMessageType.Close, (CloseStatus?)CloseStatus.GoingAway), (close.MessageType, close.CloseStatus));
        await Assert.ThrowsAsync<InvalidOperationException>(() => pair.Server.ReceiveMessageAsync().AsTask());
    }

    [Fact]
    public async Task Dispose_while_a_receive_waits_inside_a_message_ends_it_cancelled_and_gets_every_buffer_back_once_untouched()
    {
        var arrays = new PoisoningArrayPool();
        WebSocketConnectionOptions options = ConnectionPair.Quiet(WebSocketRole.Server);
        options.BufferPool = arrays;
        using var peer = new RawPeer(options);

        // The first of two fragments: the receive assembles it in a pooled buffer and waits for the second.
        peer.Writer.WriteFrame(Opcode.Binary, new byte[5000], isFinal: false);
        await peer.FlushAsync();
        Task<WebSocketMessage> receive = peer.UnderTest.ReceiveMessageAsync().AsTask();
        while (arrays.Outstanding == 0 && !receive.IsCompleted)
        {
            await Task.Delay(1);
        }

        peer.UnderTest.Dispose();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => receive.WaitAsync(Bound));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => peer.UnderTest.ReceiveMessageAsync().AsTask());
        arrays.CheckQuarantine();
        Assert.Empty(arrays.Violations);
        Assert.Equal(0, arrays.Outstanding);
    }

    [Fact]
    public async Task A_pong_the_peer_never_reads_drops_the_connection_as_lost_at_the_keepalive_timeout_instead_of_holding_every_send_for_ever()
    {
        // Keepalive is off, so no ping of ours would ever notice: the pong alone is stuck in its flush, holding the frame lock.
        WebSocketConnectionOptions options = ConnectionPair.Quiet(WebSocketRole.Server);
        options.KeepAliveTimeout = TimeSpan.FromMilliseconds(300);
        using var peer = new RawPeer(options, outputPauseThreshold: 1);
        peer.Writer.WritePing("read me"u8);
        await peer.FlushAsync();
        Task<WebSocketMessage> receive = peer.UnderTest.ReceiveMessageAsync().AsTask();
        while (!peer.HasUnreadOutput())
        {
            await Task.Delay(1);
        }

        // The pong waits in its flush; a send queues behind it.
        Task send = peer.UnderTest.SendAsync(new byte[16], WebSocketMessageType.Binary).AsTask();

        Exception? ended = await Record.ExceptionAsync(() => send.WaitAsync(Bound));
        Assert.True(ended is InvalidOperationException or WebSocketProtocolException { Error: ProtocolError.ConnectionLost }, $"The send ended with {ended}");
        WebSocketMessage lost = await receive.WaitAsync(Bound);
        Assert.Equal((WebSocketMessageType.Close, (CloseStatus?)CloseStatus.AbnormalClosure, ProtocolError.KeepAliveTimeout), (lost.MessageType, lost.CloseStatus, lost.AbnormalClosureReason));
        Assert.Equal(WebSocketState.Aborted, peer.UnderTest.State);
    }
}
