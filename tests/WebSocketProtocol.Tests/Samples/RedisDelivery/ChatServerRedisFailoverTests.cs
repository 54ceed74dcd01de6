using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using Xunit;
using Xunit.Abstractions;

namespace WebSocketProtocol.Tests.Samples.RedisDelivery;

/// <summary>
/// Redis as a highly available deployment: a master, a replica and three Sentinels, all real processes on loopback. The
/// chat servers know only the Sentinels and the service name (<c>--redis</c> takes a StackExchange.Redis configuration);
/// when the master is killed mid-chat, the Sentinels promote the replica, the servers follow them to it, and the room goes
/// on with no acknowledged message lost or doubled.
/// </summary>
[Collection(SampleCollection.Name)]
public sealed class ChatServerRedisFailoverTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    private readonly ITestOutputHelper _output;

    public ChatServerRedisFailoverTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task When_the_master_is_killed_mid_chat_the_servers_follow_the_sentinels_to_the_new_master_and_no_acknowledged_message_is_lost()
    {
        await using RedisServerProcess master = await RedisServerProcess.StartAsync();
        await using RedisServerProcess replica = await RedisServerProcess.StartAsync(replicaOf: master.Port);
        Assert.True(
            await ChatTraffic.UntilAsync(async () => (await replica.CommandAsync("INFO", "replication")).Contains("master_link_status:up", StringComparison.Ordinal), Bound),
            "the replica never caught up with the master");
        var sentinels = new List<RedisSentinelProcess>();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                sentinels.Add(await RedisSentinelProcess.StartAsync(master.Port));
            }

            // Each Sentinel has found the others (through the master) and the replica: a fail-over can be agreed on.
            foreach (RedisSentinelProcess sentinel in sentinels)
            {
                Assert.True(
                    await ChatTraffic.UntilAsync(async () =>
                        (await sentinel.CommandAsync("SENTINEL", "ckquorum", RedisSentinelProcess.ServiceName)).StartsWith("OK 3 usable", StringComparison.Ordinal)
                        && (await sentinel.CommandAsync("SENTINEL", "replicas", RedisSentinelProcess.ServiceName)).Contains(replica.Port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal), Bound),
                    "the Sentinels never knew each other and the replica: " + sentinel.Describe());
            }

            string configuration = string.Join(',', sentinels.Select(s => s.Endpoint)) + ",serviceName=" + RedisSentinelProcess.ServiceName;
            await using ChatServerProcess a = await ChatServerRedisStallTests.StartNodeAsync(configuration);
            await using ChatServerProcess b = await ChatServerRedisStallTests.StartNodeAsync(configuration);
            await using ChatTraffic traffic = await ChatServerRedisStallTests.StartTrafficAsync(a, b, "failover");
            await ChatServerRedisStallTests.AcknowledgedGrowsAsync(traffic);

            await master.KillAsync();
            string promoted = replica.Port.ToString(CultureInfo.InvariantCulture);
            Assert.True(
                await ChatTraffic.UntilAsync(async () => (await sentinels[0].CommandAsync("SENTINEL", "get-master-addr-by-name", RedisSentinelProcess.ServiceName)).Contains(promoted, StringComparison.Ordinal), Bound),
                "the Sentinels never promoted the replica: " + sentinels[0].Describe());
            _output.WriteLine("the replica is the master now");

            await ChatServerRedisStallTests.AcknowledgedGrowsAsync(traffic);
            DeliveryReport report = await traffic.StopAndCountAsync(_output);
            report.AssertExactlyOnceInOneOrder();
        }
        finally
        {
            foreach (RedisSentinelProcess sentinel in sentinels)
            {
                await sentinel.DisposeAsync();
            }
        }
    }
}
