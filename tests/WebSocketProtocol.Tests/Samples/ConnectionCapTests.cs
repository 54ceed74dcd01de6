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

    [Fact]
    public void A_failing_accept_waits_10_ms_then_twice_as_long_each_time_up_to_a_second_and_starts_over_after_a_success()
    {
        var backoff = default(AcceptBackoff);
        var waits = new List<double>();
        for (int i = 0; i < 10; i++)
        {
            waits.Add(backoff.Fail().TotalMilliseconds);
        }

        Assert.Equal(new double[] { 10, 20, 40, 80, 160, 320, 640, 1000, 1000, 1000 }, waits);
        Assert.Equal(10, backoff.Failures);

        // Ten seconds of failing accepts cost fifteen tries, where retrying at once cost tens of thousands.
        backoff.Reset();
        Assert.Equal(0, backoff.Failures);
        Assert.Equal(10, backoff.Fail().TotalMilliseconds);
    }

    [Fact]
    public void The_reserve_holds_its_descriptors_gives_them_back_and_takes_them_again()
    {
        using var reserve = new DescriptorReserve(8);
        Assert.Equal(8, reserve.Held);
        reserve.Release();
        Assert.Equal(0, reserve.Held);
        Assert.True(reserve.TryTake());
        Assert.Equal(8, reserve.Held);
    }
}
