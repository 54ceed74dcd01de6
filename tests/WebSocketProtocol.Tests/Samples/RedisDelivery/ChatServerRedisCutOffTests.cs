using System;
using System.Linq;
using System.Threading.Tasks;
using Xunit;
using Xunit.Abstractions;

namespace WebSocketProtocol.Tests.Samples.RedisDelivery;

/// <summary>
/// One chat server cut off from Redis (its connections go through a relay the test cuts) while a member on another server
/// talks: once it is back, its members get what was said meanwhile, in order, once, from the room's log; and if more was
/// said than the log reaches back, they are told and asked to join again rather than left with a silent hole.
/// </summary>
[Collection(SampleCollection.Name)]
public sealed class ChatServerRedisCutOffTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private readonly ITestOutputHelper _output;

    public ChatServerRedisCutOffTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task What_is_said_while_a_server_is_cut_off_from_redis_reaches_its_members_once_it_is_back_in_order_and_once()
    {
        await using RedisServerProcess redis = await RedisServerProcess.StartAsync();
        await using var relay = new LoopbackTcpProxy(redis.Port);
        await using ChatServerProcess a = await ChatServerRedisStallTests.StartNodeAsync(redis.Endpoint);
        await using ChatServerProcess b = await ChatServerRedisStallTests.StartNodeAsync(relay.Endpoint);
        await using ChatParticipant talker = await ChatParticipant.JoinAsync(a.ChatUri("gap"), "talker");
        await using ChatParticipant near = await ChatParticipant.JoinAsync(a.ChatUri("gap"), "near");
        await using ChatParticipant far = await ChatParticipant.JoinAsync(b.ChatUri("gap"), "far");
        await SayAndAwaitAsync(talker, 5);
        Assert.True(await ChatTraffic.UntilAsync(() => far.Received.Count == 5, Bound), "before the cut: " + string.Join(", ", far.Received));

        relay.Cut();
        await b.Process.WaitForLineAsync("Redis connection lost", Bound);
        await SayAndAwaitAsync(talker, 20);
        relay.Restore();

        Assert.True(await ChatTraffic.UntilAsync(() => far.Received.Count >= 25, Bound), "after the cut: " + string.Join(", ", far.Received));
        await SayAndAwaitAsync(talker, 1);
        Assert.True(await ChatTraffic.UntilAsync(() => far.Received.Count >= 26, Bound));
        Assert.Equal(near.Received, far.Received);
        Assert.Equal(26, far.Received.Distinct().Count());
        Assert.Null(far.Closed);
    }

    [Fact]
    public async Task A_server_cut_off_for_longer_than_the_room_log_reaches_tells_its_members_who_join_again_and_get_the_history()
    {
        await using RedisServerProcess redis = await RedisServerProcess.StartAsync();
        await using var relay = new LoopbackTcpProxy(redis.Port);
        await using ChatServerProcess a = await ChatServerRedisStallTests.StartNodeAsync(redis.Endpoint);
        await using ChatServerProcess b = await ChatServerRedisStallTests.StartNodeAsync(relay.Endpoint);
        await using ChatParticipant talker = await ChatParticipant.JoinAsync(a.ChatUri("far-behind"), "talker");
        await using ChatParticipant far = await ChatParticipant.JoinAsync(b.ChatUri("far-behind"), "far");

        relay.Cut();
        await b.Process.WaitForLineAsync("Redis connection lost", Bound);
        // Three times the history: the log keeps the events from the history's oldest message on (trimmed in blocks).
        await SayAndAwaitAsync(talker, 300);
        relay.Restore();

        Assert.True(await ChatTraffic.UntilAsync(() => far.Closed is not null, Bound), "never told: " + far.Received.Count);
        _output.WriteLine($"far: {far.Closed}; {string.Join(", ", far.UnmatchedErrors)}");
        Assert.Contains("1012", far.Closed, StringComparison.Ordinal);
        Assert.Contains(far.UnmatchedErrors, error => error.Contains("missed-events", StringComparison.Ordinal));

        // Joining again, it has the room's last 100 messages.
        var (again, _, history) = await ChatTestClient.JoinAsync(b.ChatUri("far-behind"), "far again");
        using (again)
        {
            string[] texts = history.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("text").GetString()!).ToArray();
            Assert.Equal(Enumerable.Range(200, 100).Select(n => "talker#" + n), texts);
        }
    }

    /// <summary>Says <paramref name="count"/> messages, at most 64 unanswered at a time, and waits (bounded) until each is acknowledged.</summary>
    private static async Task SayAndAwaitAsync(ChatParticipant talker, int count)
    {
        int target = talker.Acknowledged.Count + count;
        for (int i = 0; i < count; i++)
        {
            // As a client that waits for answers: a server takes a bounded number of one member's messages at once.
            Assert.True(await ChatTraffic.UntilAsync(() => talker.Unsettled < 64, Bound), $"{talker.Unsettled} unsettled");
            await talker.SendNextAsync();
        }

        Assert.True(await ChatTraffic.UntilAsync(() => talker.Acknowledged.Count >= target, Bound), $"{talker.Acknowledged.Count} of {target} acknowledged, {talker.Failed.Count} failed ({string.Join("; ", talker.Failures.Distinct().Take(3))}), closed: {talker.Closed}");
    }
}
