using System;
using System.Diagnostics;
using System.Globalization;
using System.Threading.Tasks;
using Xunit;
using Xunit.Abstractions;

namespace WebSocketProtocol.Tests.Samples.RedisDelivery;

/// <summary>
/// A bounded chaos run: two chat servers on one redis-server (with an append-only file, so that a kill keeps what Redis
/// acknowledged) while members on both talk, and for about <see cref="ChaosFor"/> Redis is stalled (SIGSTOP for 1 to
/// 8 s), killed and started again (down for 0.5 to 3 s) or left alone, at random from a fixed seed that the output
/// prints (set <c>CHAT_CHAOS_SEED</c> to replay another). The totals go to the output: sent, acknowledged, failed,
/// delivered per member, lost, doubled. Nothing acknowledged may be lost or doubled, nothing failed delivered, and every
/// member sees one order.
/// </summary>
[Collection(SampleCollection.Name)]
public sealed class ChatServerRedisChaosTests
{
    private const int DefaultSeed = 2323;

    private static readonly TimeSpan ChaosFor = TimeSpan.FromSeconds(100);

    private readonly ITestOutputHelper _output;

    public ChatServerRedisChaosTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task Through_random_stalls_kills_and_restarts_no_acknowledged_message_is_lost_or_doubled()
    {
        int seed = int.TryParse(Environment.GetEnvironmentVariable("CHAT_CHAOS_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int given) ? given : DefaultSeed;
        _output.WriteLine($"seed {seed.ToString(CultureInfo.InvariantCulture)} (CHAT_CHAOS_SEED={seed.ToString(CultureInfo.InvariantCulture)} replays it)");
        var random = new Random(seed);

        await using RedisServerProcess redis = await RedisServerProcess.StartAsync(appendOnly: true);
        await using ChatServerProcess a = await ChatServerRedisStallTests.StartNodeAsync(redis.Endpoint);
        await using ChatServerProcess b = await ChatServerRedisStallTests.StartNodeAsync(redis.Endpoint);
        await using ChatTraffic traffic = await ChatServerRedisStallTests.StartTrafficAsync(a, b, "chaos");
        await ChatServerRedisStallTests.AcknowledgedGrowsAsync(traffic);

        int stalls = 0, kills = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < ChaosFor)
        {
            switch (random.Next(3))
            {
                case 0:
                    TimeSpan stall = TimeSpan.FromMilliseconds(random.Next(1000, 8000));
                    _output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: stall for {stall.TotalSeconds:F1} s");
                    await redis.PauseAsync();
                    await Task.Delay(stall);
                    await redis.ResumeAsync();
                    stalls++;
                    break;
                case 1:
                    TimeSpan down = TimeSpan.FromMilliseconds(random.Next(500, 3000));
                    _output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: kill, down for {down.TotalSeconds:F1} s");
                    await redis.KillAsync();
                    await Task.Delay(down);
                    await redis.StartAgainAsync();
                    kills++;
                    break;
                default:
                    _output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: calm");
                    break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(random.Next(1000, 5000)));
        }

        _output.WriteLine($"{stalls} stalls and {kills} kills in {clock.Elapsed.TotalSeconds:F0} s");
        DeliveryReport report = await traffic.StopAndCountAsync(_output);
        report.AssertExactlyOnceInOneOrder();
    }
}
