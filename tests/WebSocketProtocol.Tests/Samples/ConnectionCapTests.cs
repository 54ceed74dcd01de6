using System.Buffers;
using System.Collections.Generic;
using ChatServer;
using ChatServer.Connections;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Xunit;

namespace WebSocketProtocol.Tests.Samples;

/// <summary>The chat server's connection cap and its transport on Kestrel's connection factory (linked from the sample).</summary>
public class ConnectionCapTests
{
    [Theory]
    [InlineData(400L, 144)]
    [InlineData(3_000L, 2_700)]
    [InlineData(20_000L, 18_000)]
    [InlineData(1_048_576L, 943_719)]
    public void The_default_cap_leaves_a_tenth_of_the_descriptors_and_at_least_256_for_everything_else(long limit, int cap) =>
        Assert.Equal(cap, ConnectionCap.DefaultFor(limit));

    [Fact]
    public void A_cap_admits_its_limit_then_refuses_and_reports_refusals_at_most_once_a_second()
    {
        var lines = new List<string>();
        var cap = new ConnectionCap(2, lines.Add);
        Assert.True(cap.TryEnter());
        Assert.True(cap.TryEnter());
        for (int i = 0; i < 1000; i++)
        {
            Assert.False(cap.TryEnter());
        }

        Assert.Equal(1000, cap.Refused);
        Assert.Single(lines);
        cap.Leave();
        Assert.True(cap.TryEnter());
        Assert.Equal(2, cap.Open);
    }

    [Fact]
    public void The_transport_hands_kestrels_connection_factory_the_servers_pool_and_output_room()
    {
        var pool = new LargeBlockMemoryPool.Factory();
        var transport = new SocketTransportOptions { MaxWriteBufferSize = KestrelTransportSettings.OutputBufferLimit };

        // Kestrel takes a pool through an internal property only: a Kestrel that renamed it fails here, not silently.
        SocketConnectionFactoryOptions options = CappedSocketTransportFactory.FactoryOptions(transport, pool);

        Assert.Same(pool, CappedSocketTransportFactory.MemoryPoolFactoryOf(options));
        Assert.Equal(KestrelTransportSettings.OutputBufferLimit, options.MaxWriteBufferSize);
    }
}
