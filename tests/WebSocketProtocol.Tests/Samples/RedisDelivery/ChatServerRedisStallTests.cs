using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Xunit;
using Xunit.Abstractions;

namespace WebSocketProtocol.Tests.Samples.RedisDelivery;

/// <summary>
/// Two chat servers on one real redis-server while several members on both talk, through the trouble a Redis meets: a
/// stall (the process stopped with SIGSTOP: connections stay open, nothing is answered) of 5 s and of 30 s, and a kill
/// (SIGKILL) and start again, with and without an append-only file. Afterwards every member of both servers has every
/// acknowledged message exactly once and all in one order, and every other message was reported failed to its sender
/// and reached nobody. The stall's length is the scenario; no test asserts a time.
/// </summary>
[Collection(SampleCollection.Name)]
public sealed class ChatServerRedisStallTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private readonly ITestOutputHelper _output;

    public ChatServerRedisStallTests(ITestOutputHelper output) => _output = output;

    [Theory]
    [InlineData(5)]
    [InlineData(30)]
    public async Task After_redis_stalls_mid_stream_every_member_of_both_servers_has_every_acknowledged_message_once_in_one_order(int seconds)
    {
        await using RedisServerProcess redis = await RedisServerProcess.StartAsync();
        await using ChatServerProcess a = await StartNodeAsync(redis.Endpoint);
        await using ChatServerProcess b = await StartNodeAsync(redis.Endpoint);
        await using ChatTraffic traffic = await StartTrafficAsync(a, b, "stall");
        await AcknowledgedGrowsAsync(traffic);

        await redis.PauseAsync();
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        await redis.ResumeAsync();

        await AcknowledgedGrowsAsync(traffic);
        DeliveryReport report = await traffic.StopAndCountAsync(_output);
        report.AssertExactlyOnceInOneOrder();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task After_redis_is_killed_and_started_again_mid_stream_every_member_has_every_acknowledged_message_once_in_one_order(bool appendOnly)
    {
        await using RedisServerProcess redis = await RedisServerProcess.StartAsync(appendOnly);
        await using ChatServerProcess a = await StartNodeAsync(redis.Endpoint);
        await using ChatServerProcess b = await StartNodeAsync(redis.Endpoint);
        await using ChatTraffic traffic = await StartTrafficAsync(a, b, "restart");
        await AcknowledgedGrowsAsync(traffic);

        await redis.KillAsync();
        await Task.Delay(TimeSpan.FromSeconds(2));
        await redis.StartAgainAsync();

        await AcknowledgedGrowsAsync(traffic);
        DeliveryReport report = await traffic.StopAndCountAsync(_output);
        report.AssertExactlyOnceInOneOrder();
    }

    [Fact]
    public async Task Joins_sent_while_redis_stalls_end_joined_or_refused_and_a_refused_join_holds_no_name()
    {
        await using RedisServerProcess redis = await RedisServerProcess.StartAsync();
        await using ChatServerProcess a = await StartNodeAsync(redis.Endpoint);
        await using ChatServerProcess b = await StartNodeAsync(redis.Endpoint);
        // A member on each server, so both read the room already and the joins go to Redis itself.
        await using ChatParticipant resident = await ChatParticipant.JoinAsync(a.ChatUri("doors"), "resident");
        await using ChatParticipant watcher = await ChatParticipant.JoinAsync(b.ChatUri("doors"), "watcher");
        var joiners = new List<ChatTestClient>();
        try
        {
            await redis.PauseAsync();
            var names = new List<string>();
            for (int i = 0; i < 6; i++)
            {
                // The last one asks, on the other server, for the first one's name: one of the two is refused.
                (ChatServerProcess server, string name) = i < 5 ? (a, "joiner" + i) : (b, "joiner0");
                ChatTestClient joiner = await ChatTestClient.ConnectAsync(server.ChatUri("doors"));
                joiners.Add(joiner);
                names.Add(name);
                await joiner.SendAsync(new { type = "join", name });
            }

            // Long enough for every join to time out at least once.
            await Task.Delay(TimeSpan.FromSeconds(8));
            await redis.ResumeAsync();

            // Every join ends in joined or an error; pending may come first, and nothing else. Redis answers them all in
            // the end: each name is joined once, and the second joiner0 is refused.
            var joined = new List<string>();
            var refused = new List<string>();
            for (int i = 0; i < joiners.Count; i++)
            {
                JsonElement answer;
                do
                {
                    answer = await joiners[i].NextAsync();
                }
                while (answer.GetProperty("type").GetString() == "pending");

                string type = answer.GetProperty("type").GetString()!;
                _output.WriteLine($"{names[i]}: {answer}");
                Assert.True(type is "joined" or "error", $"{names[i]} got {answer}");
                (type == "joined" ? joined : refused).Add(names[i]);
            }

            _output.WriteLine($"joined: {string.Join(' ', joined)}; refused: {string.Join(' ', refused)}");
            Assert.Equal(names.Distinct().Order(), joined.Order());

            // A name whose every join was refused is free at once: someone else takes it on the other server.
            foreach (string name in refused.Except(joined))
            {
                var (taker, _, _) = await ChatTestClient.JoinAsync(b.ChatUri("doors"), name);
                taker.Dispose();
            }

            // The watcher heard of every joined name, and of no name leaving that had not joined. (Names expire while
            // Redis stands still: after it, a name may be reaped, "leave", and taken again by its server, "join".)
            Assert.True(
                await ChatTraffic.UntilAsync(() => joined.All(name => watcher.Presence.Contains("join " + name)), Bound),
                "joins the watcher never heard of: " + string.Join(", ", watcher.Presence));
            var present = watcher.InitialMembers.ToDictionary(name => name, _ => 1);
            foreach (string change in watcher.Presence)
            {
                string name = change[(change.IndexOf(' ', StringComparison.Ordinal) + 1)..];
                present[name] = present.GetValueOrDefault(name) + (change.StartsWith("join ", StringComparison.Ordinal) ? 1 : -1);
                Assert.True(present[name] >= 0, $"{name} left without having joined: {string.Join(", ", watcher.Presence)}");
            }
        }
        finally
        {
            foreach (ChatTestClient joiner in joiners)
            {
                joiner.Dispose();
            }
        }
    }

    internal static Task<ChatServerProcess> StartNodeAsync(string redis) =>
        ChatServerProcess.StartAsync("--redis", redis, "--redis-presence-ttl", "1.5", "--rate", "1000");

    /// <summary>Two senders and a listener on each server, in <paramref name="room"/>, sending.</summary>
    internal static async Task<ChatTraffic> StartTrafficAsync(ChatServerProcess a, ChatServerProcess b, string room)
    {
        var senders = new List<ChatParticipant>();
        var listeners = new List<ChatParticipant>();
        foreach ((ChatServerProcess server, string node) in new[] { (a, "a"), (b, "b") })
        {
            senders.Add(await ChatParticipant.JoinAsync(server.ChatUri(room), "s" + node + "1"));
            senders.Add(await ChatParticipant.JoinAsync(server.ChatUri(room), "s" + node + "2"));
            listeners.Add(await ChatParticipant.JoinAsync(server.ChatUri(room), "l" + node));
        }

        var traffic = new ChatTraffic(senders, listeners);
        traffic.Start();
        return traffic;
    }

    /// <summary>Waits (bounded) until the senders have had a few more messages acknowledged than now.</summary>
    internal static async Task AcknowledgedGrowsAsync(ChatTraffic traffic)
    {
        int Acknowledged() => traffic.Members.Sum(member => member.Acknowledged.Count);
        int before = Acknowledged();
        Assert.True(await ChatTraffic.UntilAsync(() => Acknowledged() >= before + 20, Bound), $"the room made no progress: {Acknowledged()} acknowledged, {before} before");
    }
}
