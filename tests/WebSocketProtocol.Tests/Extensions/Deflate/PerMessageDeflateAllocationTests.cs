using System.Net.WebSockets;
using System.Threading.Tasks;
using WebSocketProtocol.Connection;
using WebSocketProtocol.Tests.Connection;
using WebSocketProtocol.Tests.Support;
using Xunit;

namespace WebSocketProtocol.Tests.Extensions.Deflate;

/// <summary>
/// A compressed echo allocates nothing in steady state. Without context takeover the compressor and inflater are
/// borrowed per message from a process-wide pool, so this runs alone: other tests' connections could empty the pool and
/// make a borrow here allocate.
/// </summary>
[Collection(RunsAloneCollection.Name)]
public class PerMessageDeflateAllocationTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Compressed_echo_allocates_nothing_in_steady_state(bool noContextTakeover)
    {
        using ConnectionPair pair = PerMessageDeflateConnectionTests.CompressedPair(PerMessageDeflateConnectionTests.Options(noContextTakeover, noContextTakeover, 15));
        byte[] message = PerMessageDeflateConnectionTests.Text(2000, 8);

        long allocated = SteadyState.AllocatedBytes(
            () =>
            {
                Assert.True(pair.Client.SendAsync(message, WebSocketMessageType.Text).IsCompletedSuccessfully);
                ValueTask<WebSocketMessage> atServer = pair.Server.ReceiveMessageAsync();
                Assert.True(atServer.IsCompletedSuccessfully);
                using WebSocketMessage received = atServer.Result;
                Assert.True(pair.Server.SendAsync(received.Data, WebSocketMessageType.Text).IsCompletedSuccessfully);
                ValueTask<WebSocketMessage> atClient = pair.Client.ReceiveMessageAsync();
                Assert.True(atClient.IsCompletedSuccessfully);
                using WebSocketMessage echoed = atClient.Result;

                // Assert.True, not Assert.Equal: xunit's equality comparer allocates on every call.
                Assert.True(echoed.Data.Length == message.Length);
            },
            warmup: 200,
            iterations: 200);

        Assert.Equal(0, allocated);
    }
}
