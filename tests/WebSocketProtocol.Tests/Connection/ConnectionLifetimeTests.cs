using System.Net.WebSockets;
using System;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Connection;
using Xunit;

namespace WebSocketProtocol.Tests.Connection;

/// <summary>
/// What a finished connection leaves behind: nothing. A server serves connections for as long as it runs, receiving on a
/// token that lives as long (its shutdown token) and with keepalive on; a registration on that token, or a keepalive timer
/// left running, would root every connection ever served. The soak watches the sample server's memory for the same thing.
/// </summary>
public class ConnectionLifetimeTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("closed by the peer")]
    [InlineData("closed by the server")]
    [InlineData("aborted")]
    [InlineData("transport lost")]
    public async Task A_finished_connection_that_received_on_a_long_lived_token_with_keepalive_on_becomes_collectible(string ending)
    {
        using var stopping = new CancellationTokenSource();
        WeakReference[] finished = await ServeAndFinishAsync(ending, stopping.Token);

        // A timer callback or a writer that was running when the connection ended holds it on its stack for a moment:
        // collectible means it goes once those have returned, so the collections are spread over up to two seconds. A real
        // root (a registration on the token, a timer left running) keeps it alive however long this waits.
        for (int attempt = 0; attempt < 100 && finished.Any(reference => reference.IsAlive); attempt++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            await Task.Delay(20);
        }

        Assert.All(finished, reference => Assert.False(reference.IsAlive, $"{reference.Target} is still reachable"));
        Assert.False(stopping.IsCancellationRequested);
    }

    // Not inlined, so that no local of the test method keeps the connections reachable.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<WeakReference[]> ServeAndFinishAsync(string ending, CancellationToken stopping)
    {
        var serverOptions = new WebSocketConnectionOptions(WebSocketRole.Server) { KeepAliveInterval = TimeSpan.FromSeconds(5), CloseTimeout = TimeSpan.FromSeconds(10) };
        var pair = new ConnectionPair(serverOptions);
        await pair.Client.SendTextAsync("hello");
        WebSocketMessage first = await pair.Server.ReceiveMessageAsync(stopping).AsTask().WaitAsync(Bound);
        Assert.Equal(WebSocketMessageType.Text, first.MessageType);

        // The server waits in a receive on the long-lived token when the connection ends.
        Task<WebSocketMessage> receive = pair.Server.ReceiveMessageAsync(stopping).AsTask();
        switch (ending)
        {
            case "closed by the peer":
                await pair.Client.CloseAsync(CloseStatus.NormalClosure, "bye");
                Assert.Equal(WebSocketMessageType.Close, (await receive.WaitAsync(Bound)).MessageType);
                break;
            case "closed by the server":
                Task clientSeesClose = pair.Client.ReceiveMessageAsync().AsTask();
                Task closing = pair.Server.CloseAsync(CloseStatus.GoingAway, "done", CancellationToken.None);
                Assert.Equal(WebSocketMessageType.Close, (await receive.WaitAsync(Bound)).MessageType);
                await Task.WhenAll(closing, clientSeesClose).WaitAsync(Bound);
                break;
            case "aborted":
                // Over a pipe the abort cancels the pending read, so the receive ends cancelled rather than with a typed error.
                pair.Server.Abort();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => receive.WaitAsync(Bound));
                break;
            default:
                await pair.ToServer.Writer.CompleteAsync();
                Assert.Equal(ProtocolError.ConnectionLost, (await receive.WaitAsync(Bound)).AbnormalClosureReason);
                break;
        }

        pair.Dispose();
        return [new WeakReference(pair.Server), new WeakReference(pair.Client)];
    }
}
