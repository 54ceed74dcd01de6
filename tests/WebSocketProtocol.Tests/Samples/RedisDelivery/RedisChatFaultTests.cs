using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ChatServer;
using ChatServer.Chat;
using ChatServer.Chat.Redis;
using StackExchange.Redis;
using Xunit;
using Xunit.Abstractions;

namespace WebSocketProtocol.Tests.Samples.RedisDelivery;

/// <summary>
/// The chat's Redis rooms in this process, on a real redis-server, with an exception injected into one kind of Redis call
/// at a time (each script, the log and position reads, the subscription) and of varied types, Redis's own and others
/// (see the hardening issue: a heartbeat once died of an exception it did not expect). Whatever is thrown, the room goes
/// on: joins end joined, every message reaches every member once and in one order, names stay renewed, a leave is told,
/// and an emptied room keeps its history.
/// </summary>
public sealed class RedisChatFaultTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    // Long enough that two failed beats (one every third of it) do not let a name expire.
    private static readonly TimeSpan PresenceTtl = TimeSpan.FromSeconds(6);

    private static readonly Type[] ExceptionTypes =
        [typeof(InvalidOperationException), typeof(NullReferenceException), typeof(TimeoutException), typeof(RedisException), typeof(InjectedFault)];

    private readonly ITestOutputHelper _output;

    public RedisChatFaultTests(ITestOutputHelper output) => _output = output;

    public static TheoryData<RedisCallPath, Type> Faults()
    {
        var data = new TheoryData<RedisCallPath, Type>();
        RedisCallPath[] paths = Enum.GetValues<RedisCallPath>();
        for (int i = 0; i < paths.Length; i++)
        {
            // Each path with two types, the types in turn.
            data.Add(paths[i], ExceptionTypes[i % ExceptionTypes.Length]);
            data.Add(paths[i], ExceptionTypes[(i + 2) % ExceptionTypes.Length]);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task A_room_survives_an_exception_of_any_type_thrown_by_a_redis_call_and_every_message_arrives_once(RedisCallPath path, Type exceptionType)
    {
        await using RedisServerProcess redis = await RedisServerProcess.StartAsync();
        var faults = new RedisFaults();
        var log = new ConcurrentQueue<string>();
        var arguments = new RedisArguments(redis.Endpoint, PresenceTtl);
        ConnectionMultiplexer multiplexer = await ConnectionMultiplexer.ConnectAsync(arguments.Options());
        await using var node = new RedisChatNode(multiplexer, faults.Wrap(multiplexer.GetDatabase()), faults.Wrap(multiplexer.GetSubscriber()), arguments, 100, 10_000, log.Enqueue);
        var room = (RedisChatRoom)node.CreateRoom("faults");
        try
        {
            // A reader starts with the room's first member: faults in its start are armed before.
            bool atStart = path is RedisCallPath.Subscribe or RedisCallPath.PositionRead;
            if (atStart)
            {
                faults.Arm(path, exceptionType, times: 2);
            }

            await using var bob = new InProcessChatMember();
            await JoinAsync(room, bob, "bob");
            if (!atStart)
            {
                faults.Arm(path, exceptionType, times: 2);
            }

            await using var alice = new InProcessChatMember();
            await JoinAsync(room, alice, "alice");
            string[] lines = Enumerable.Range(1, 6).Select(i => "line " + i).ToArray();
            for (int i = 0; i < 5; i++)
            {
                room.Post(alice.Member, lines[i], "m" + (i + 1));
            }

            Assert.True(await ChatTraffic.UntilAsync(() => bob.Texts.Count >= 5 && alice.Texts.Count >= 5, Bound), $"bob has [{string.Join(", ", bob.Texts)}], alice [{string.Join(", ", alice.Texts)}]");
            if (path is RedisCallPath.LogRead or RedisCallPath.RenewScript or RedisCallPath.ReapScript)
            {
                // The polls and beats that fail, then one more: the loops went on, and nobody's name expired meanwhile.
                Assert.True(await ChatTraffic.UntilAsync(() => faults.Hits == 2, Bound), "the loop stopped before its calls failed twice");
                await Task.Delay(arguments.Heartbeat * 1.5);
                Assert.Equal("1", await redis.CommandAsync("EXISTS", "chat:{faults}:name:alice"));
                Assert.DoesNotContain("leave alice", bob.Presence);
            }

            room.Post(alice.Member, lines[5], "m6");
            Assert.True(await ChatTraffic.UntilAsync(() => bob.Texts.Count >= 6 && alice.Texts.Count >= 6, Bound), $"bob has [{string.Join(", ", bob.Texts)}], alice [{string.Join(", ", alice.Texts)}]");

            await room.LeaveAsync(alice.Member);
            Assert.True(await ChatTraffic.UntilAsync(() => bob.Presence.Contains("leave alice"), Bound), "bob never heard alice leave");
            await room.LeaveAsync(bob.Member);

            // Emptied, the room keeps its history for the next member.
            await using var carol = new InProcessChatMember();
            await JoinAsync(room, carol, "carol");
            string[] history = carol.Received.Single(m => InProcessChatMember.Type(m) == "history").GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("text").GetString()!).ToArray();

            _output.WriteLine($"{faults.Hits} faults injected; log: {string.Join(" | ", log)}");
            Assert.True(faults.Hits > 0, "no call on the path was made");
            Assert.Equal(lines.Order(), bob.Texts.Order());
            Assert.Equal(bob.Texts, alice.Texts);
            Assert.Equal(bob.Texts, history);
        }
        finally
        {
            await room.ReleaseAsync();
        }
    }

    /// <summary>Joins, trying again while the room answers <c>unavailable</c> (a join whose reader could not start did nothing).</summary>
    private static async Task JoinAsync(RedisChatRoom room, InProcessChatMember member, string name)
    {
        for (int attempt = 0; ; attempt++)
        {
            JoinOutcome outcome = await room.JoinAsync(member.Member, name, CancellationToken.None);
            if (outcome == JoinOutcome.Joined)
            {
                Assert.True(await ChatTraffic.UntilAsync(() => member.Received.Any(m => InProcessChatMember.Type(m) == "history"), Bound), name + " never got its history");
                return;
            }

            Assert.Equal(JoinOutcome.Unavailable, outcome);
            Assert.True(attempt < 20, $"{name} could not join");
            await Task.Delay(200);
        }
    }

    /// <summary>An exception type nothing in the chat has heard of.</summary>
    public sealed class InjectedFault(string message) : Exception(message);
}
