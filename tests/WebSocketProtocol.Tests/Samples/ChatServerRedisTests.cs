using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Threading.Tasks;
using Xunit;
using Xunit.Abstractions;

namespace WebSocketProtocol.Tests.Samples;

/// <summary>
/// samples/ChatServer with <c>--redis</c>: two or three server processes sharing rooms through a real redis-server on
/// loopback, driven by the library's client role speaking PROTOCOL.md. The presence TTL is 1.5 s (a heartbeat every
/// 0.5 s), so that a crashed server's members leave within a couple of seconds; no test asserts a time.
/// </summary>
[Collection(SampleCollection.Name)]
public sealed class ChatServerRedisTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private readonly ITestOutputHelper _output;

    public ChatServerRedisTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task Members_on_two_servers_chat_and_agree_on_presence_and_history()
    {
        await using RedisServerProcess redis = await RedisServerProcess.StartAsync();
        await using ChatServerProcess a = await StartNodeAsync(redis);
        await using ChatServerProcess b = await StartNodeAsync(redis);
        var (alice, aliceJoined, aliceHistory) = await ChatTestClient.JoinAsync(a.ChatUri("team"), "alice");
        using (alice)
        {
            Assert.Equal(new[] { "alice" }, ChatTestClient.Members(aliceJoined));
            Assert.Empty(aliceHistory.GetProperty("messages").EnumerateArray());

            var (bob, bobJoined, _) = await ChatTestClient.JoinAsync(b.ChatUri("team"), "bob");
            using (bob)
            {
                Assert.Equal(new[] { "alice", "bob" }, ChatTestClient.Members(bobJoined));
                JsonElement bobArrived = await alice.ExpectAsync("presence");
                Assert.Equal(("join", "bob"), Change(bobArrived));

                await alice.SayAsync("hello from node A");
                await bob.SayAsync("hello from node B <b>&</b> 😀");
                await alice.SayAsync("A again");
                // Sent at once from two servers: any order, but the one Redis published, the same for everyone.
                List<(string, string)> seenByAlice = await MessagesAsync(alice, 3);
                List<(string, string)> seenByBob = await MessagesAsync(bob, 3);
                Assert.Equal(seenByAlice, seenByBob);
                Assert.Equal(new[] { ("alice", "A again"), ("alice", "hello from node A"), ("bob", "hello from node B <b>&</b> 😀") }, seenByAlice.Order());
                Assert.True(seenByAlice.IndexOf(("alice", "hello from node A")) < seenByAlice.IndexOf(("alice", "A again")), "one sender's messages keep their order");

                var (carol, carolJoined, carolHistory) = await ChatTestClient.JoinAsync(a.ChatUri("team"), "carol");
                using (carol)
                {
                    Assert.Equal(new[] { "alice", "bob", "carol" }, ChatTestClient.Members(carolJoined));
                    Assert.Equal(seenByAlice, carolHistory.GetProperty("messages").EnumerateArray().Select(Line).ToList());
                    Assert.Equal(("join", "carol"), Change(await alice.ExpectAsync("presence")));
                    Assert.Equal(("join", "carol"), Change(await bob.ExpectAsync("presence")));
                }

                JsonElement carolLeft = await bob.ExpectAsync("presence");
                Assert.Equal(("leave", "carol"), Change(carolLeft));
                Assert.Equal(("leave", "carol"), Change(await alice.ExpectAsync("presence")));
            }

            JsonElement bobLeft = await alice.ExpectAsync("presence");
            Assert.Equal(("leave", "bob"), Change(bobLeft));
        }

        // Another room on either server has its own history.
        var (elsewhere, _, otherHistory) = await ChatTestClient.JoinAsync(b.ChatUri("other-room"), "alice");
        using (elsewhere)
        {
            Assert.Empty(otherHistory.GetProperty("messages").EnumerateArray());
        }
    }

    [Fact]
    public async Task A_member_joining_on_another_server_mid_stream_gets_history_then_live_messages_without_gap_or_repeat()
    {
        await using RedisServerProcess redis = await RedisServerProcess.StartAsync();
        await using ChatServerProcess a = await StartNodeAsync(redis);
        await using ChatServerProcess b = await StartNodeAsync(redis);
        var (talker, _, _) = await ChatTestClient.JoinAsync(a.ChatUri("stream"), "talker");
        using (talker)
        {
            const int Count = 1000;
            var reached = new[] { new TaskCompletionSource(), new TaskCompletionSource(), new TaskCompletionSource() };
            Task talking = Task.Run(async () =>
            {
                for (int i = 0; i < Count; i++)
                {
                    await talker.SayAsync(i.ToString(CultureInfo.InvariantCulture));
                    if (i % (Count / 4) == Count / 4 - 1 && i < Count - 1)
                    {
                        reached[i / (Count / 4)].SetResult();
                    }

                    if (i % 5 == 0)
                    {
                        // A stream that lasts a while, so that the joins land in the middle of it.
                        await Task.Delay(1);
                    }
                }
            });

            // Each join races the messages still being posted and published.
            foreach (TaskCompletionSource point in reached)
            {
                await point.Task;
                var (late, _, history) = await ChatTestClient.JoinAsync(b.ChatUri("stream"), "late" + Array.IndexOf(reached, point));
                using (late)
                {
                    var seen = history.GetProperty("messages").EnumerateArray().Select(m => int.Parse(m.GetProperty("text").GetString()!, CultureInfo.InvariantCulture)).ToList();
                    while (seen.Count == 0 || seen[^1] != Count - 1)
                    {
                        seen.Add(int.Parse(Line(await late.SkipUntilAsync("message")).Item2, CultureInfo.InvariantCulture));
                    }

                    Assert.Equal(Enumerable.Range(seen[0], Count - seen[0]), seen);
                }
            }

            await talking;
        }
    }

    [Fact]
    public async Task A_nickname_taken_on_one_server_is_refused_on_another_and_free_again_once_its_owner_leaves()
    {
        await using RedisServerProcess redis = await RedisServerProcess.StartAsync();
        await using ChatServerProcess a = await StartNodeAsync(redis);
        await using ChatServerProcess b = await StartNodeAsync(redis);
        var (first, _, _) = await ChatTestClient.JoinAsync(a.ChatUri(), "Zoë");
        using (ChatTestClient second = await ChatTestClient.ConnectAsync(b.ChatUri()))
        {
            using (first)
            {
                await second.SendAsync(new { type = "join", name = "zoË" });
                Assert.Equal("name-taken", (await second.ExpectAsync("error")).GetProperty("code").GetString());
                await second.SendAsync(new { type = "join", name = "Zoe" });
                JsonElement joined = await second.ExpectAsync("joined");
                Assert.Equal(new[] { "Zoe", "Zoë" }, ChatTestClient.Members(joined));
                await second.ExpectAsync("history");
            }

            Assert.Equal(("leave", "Zoë"), Change(await second.ExpectAsync("presence")));
            var (again, againJoined, _) = await ChatTestClient.JoinAsync(b.ChatUri(), "ZOË");
            using (again)
            {
                Assert.Equal(new[] { "Zoe", "ZOË" }, ChatTestClient.Members(againJoined));
            }
        }
    }

    [Fact]
    public async Task Look_alikes_of_the_names_of_members_on_another_server_are_refused_and_names_are_shown_in_nfc()
    {
        await using RedisServerProcess redis = await RedisServerProcess.StartAsync();
        await using ChatServerProcess a = await StartNodeAsync(redis);
        await using ChatServerProcess b = await StartNodeAsync(redis);
        await LookAlikeNicknames.AssertRefusedAsync(a.ChatUri("look-alikes"), b.ChatUri("look-alikes"));
    }

    [Fact]
    public async Task A_message_id_is_echoed_across_servers_and_a_message_sent_again_with_its_id_on_another_server_is_stored_once()
    {
        await using RedisServerProcess redis = await RedisServerProcess.StartAsync();
        await using ChatServerProcess a = await StartNodeAsync(redis);
        await using ChatServerProcess b = await StartNodeAsync(redis);
        await ChatMessageIds.AssertStoredOnceAsync(a.ChatUri("ids"), b.ChatUri("ids"));
    }

    [Fact]
    public async Task Redis_takes_a_configuration_string_with_several_endpoints_and_a_password_and_a_bad_one_is_refused_at_start()
    {
        await using RedisServerProcess redis = await RedisServerProcess.StartAsync(password: "s3cret");
        // The first endpoint has nothing behind it: the client finds the one that answers.
        string configuration = $"127.0.0.1:{ChatServerProcess.FreeLoopbackPort().ToString(CultureInfo.InvariantCulture)},{redis.Endpoint},password=s3cret";
        await using ChatServerProcess a = await ChatServerProcess.StartAsync("--redis", configuration);
        await using ChatServerProcess b = await ChatServerProcess.StartAsync("--redis", configuration);
        Assert.DoesNotContain(a.Process.Output, line => line.Contains("s3cret", StringComparison.Ordinal));
        var (alice, _, _) = await ChatTestClient.JoinAsync(a.ChatUri("secured"), "alice");
        var (bob, bobJoined, _) = await ChatTestClient.JoinAsync(b.ChatUri("secured"), "bob");
        using (alice)
        using (bob)
        {
            Assert.Equal(new[] { "alice", "bob" }, ChatTestClient.Members(bobJoined));
            await alice.SayAsync("through a password");
            Assert.Equal(("alice", "through a password"), Line(await bob.SkipUntilAsync("message")));
        }

        foreach (string bad in new[] { "127.0.0.1:6379,nonsense=1", "password=only" })
        {
            await using Support.ChildProcess refused = Support.ChildProcess.StartSample("ChatServer", "--port", "0", "--redis", bad);
            Assert.Equal(2, await refused.WaitForExitAsync(Bound));
            Assert.Contains("--redis takes a StackExchange.Redis configuration", refused.StandardError, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Redis_over_tls_is_reached_with_ssl_true_in_the_configuration_string_and_its_certificate_checked()
    {
        DirectoryInfo folder = Directory.CreateTempSubdirectory("chat-redis-tls-");
        try
        {
            // A self-signed certificate for 127.0.0.1: Redis serves it, and the chat servers trust it as a root
            // (SSL_CERT_FILE) and nothing else.
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName("localhost");
            names.AddIpAddress(System.Net.IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            DateTimeOffset now = DateTimeOffset.UtcNow;
            using X509Certificate2 certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
            string certificateFile = Path.Combine(folder.FullName, "redis.crt");
            string keyFile = Path.Combine(folder.FullName, "redis.key");
            await File.WriteAllTextAsync(certificateFile, certificate.ExportCertificatePem());
            await File.WriteAllTextAsync(keyFile, key.ExportPkcs8PrivateKeyPem());

            await using RedisServerProcess redis = await RedisServerProcess.StartAsync(tls: (certificateFile, keyFile));
            var trusting = new Dictionary<string, string?> { ["SSL_CERT_FILE"] = certificateFile, ["SSL_CERT_DIR"] = folder.FullName };
            string configuration = redis.Endpoint + ",ssl=true";
            await using ChatServerProcess a = await ChatServerProcess.StartAsync(trusting, "--redis", configuration);
            await using ChatServerProcess b = await ChatServerProcess.StartAsync(trusting, "--redis", configuration);
            var (alice, _, _) = await ChatTestClient.JoinAsync(a.ChatUri("tls"), "alice");
            var (bob, bobJoined, _) = await ChatTestClient.JoinAsync(b.ChatUri("tls"), "bob");
            using (alice)
            using (bob)
            {
                Assert.Equal(new[] { "alice", "bob" }, ChatTestClient.Members(bobJoined));
                await alice.SayAsync("over TLS to Redis");
                Assert.Equal(("alice", "over TLS to Redis"), Line(await bob.SkipUntilAsync("message")));
            }

            // A server that does not trust the certificate does not talk to that Redis: a join is refused.
            await using ChatServerProcess doubting = await ChatServerProcess.StartAsync("--redis", configuration);
            using ChatTestClient carol = await ChatTestClient.ConnectAsync(doubting.ChatUri("tls"));
            await carol.SendAsync(new { type = "join", name = "carol" });
            Assert.Equal("unavailable", (await carol.SkipUntilAsync("error")).GetProperty("code").GetString());
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_member_whose_name_someone_else_holds_in_redis_at_the_heartbeat_is_told_name_lost_and_closed_with_1008()
    {
        await using RedisServerProcess redis = await RedisServerProcess.StartAsync();
        await using ChatServerProcess a = await StartNodeAsync(redis);
        var (alice, _, _) = await ChatTestClient.JoinAsync(a.ChatUri("taken"), "alice");
        var (witness, _, _) = await ChatTestClient.JoinAsync(a.ChatUri("taken"), "witness");
        using (alice)
        using (witness)
        {
            // What a restarted Redis and a quicker server could do between two heartbeats: the name now belongs to
            // another owner. Alice's server finds it at its next renewal, cannot take it back, and lets her go.
            Assert.Equal("OK", await redis.CommandAsync("SET", "chat:{taken}:name:alice", "someone-else", "PX", "60000"));
            JsonElement lost = await alice.SkipUntilAsync("error");
            Assert.Equal("name-lost", lost.GetProperty("code").GetString());
            JsonElement closed = await alice.SkipUntilAsync("close");
            Assert.Equal(1008, closed.GetProperty("code").GetInt32());

            // The name stays in the room (its new owner holds it); the others carry on.
            await witness.SayAsync("still here");
            Assert.Equal(("witness", "still here"), Line(await witness.SkipUntilAsync("message")));
        }
    }

    [Fact]
    public async Task The_members_of_a_killed_server_leave_the_member_list_on_the_other_servers()
    {
        await using RedisServerProcess redis = await RedisServerProcess.StartAsync();
        await using ChatServerProcess a = await StartNodeAsync(redis);
        await using ChatServerProcess b = await StartNodeAsync(redis);
        await using ChatServerProcess c = await StartNodeAsync(redis);
        var (alice, _, _) = await ChatTestClient.JoinAsync(a.ChatUri(), "alice");
        var (bob, _, _) = await ChatTestClient.JoinAsync(b.ChatUri(), "bob");
        var (carol, carolJoined, _) = await ChatTestClient.JoinAsync(c.ChatUri(), "carol");
        using (alice)
        using (bob)
        using (carol)
        {
            Assert.Equal(new[] { "alice", "bob", "carol" }, ChatTestClient.Members(carolJoined));
            await alice.SkipUntilAsync("presence");
            await alice.SkipUntilAsync("presence");

            // SIGKILL: node B says nothing to Redis; its member's name expires and another node tells the room.
            await b.Process.KillAsync(Bound);
            foreach (ChatTestClient survivor in new[] { alice, carol })
            {
                JsonElement left = await survivor.SkipUntilAsync("presence");
                Assert.Equal(("leave", "bob"), Change(left));
            }

            // The name is free again, and the survivors still chat.
            var (newBob, newBobJoined, _) = await ChatTestClient.JoinAsync(c.ChatUri(), "bob");
            using (newBob)
            {
                Assert.Equal(new[] { "alice", "bob", "carol" }, ChatTestClient.Members(newBobJoined));
                await alice.SayAsync("still here");
                Assert.Equal(("alice", "still here"), Line(await newBob.SkipUntilAsync("message")));
            }
        }
    }

    [Fact]
    public async Task A_redis_restart_is_survived_members_chat_again_across_servers_and_presence_is_taken_again()
    {
        await using RedisServerProcess redis = await RedisServerProcess.StartAsync();
        await using ChatServerProcess a = await StartNodeAsync(redis);
        await using ChatServerProcess b = await StartNodeAsync(redis);
        var (alice, _, _) = await ChatTestClient.JoinAsync(a.ChatUri(), "alice");
        var (bob, _, _) = await ChatTestClient.JoinAsync(b.ChatUri(), "bob");
        using (alice)
        using (bob)
        {
            await alice.ExpectAsync("presence");
            await redis.KillAsync();
            await a.Process.WaitForLineAsync("Redis connection lost", Bound);

            // While Redis is down a message gets its sender a clear error, and the connection stays open.
            await alice.SayAsync("into the void");
            Assert.Equal("unavailable", (await alice.SkipUntilAsync("error")).GetProperty("code").GetString());

            await redis.StartAgainAsync();
            await a.Process.WaitForLineAsync("Redis connection restored", Bound);
            await b.Process.WaitForLineAsync("Redis connection restored", Bound);

            // Until both servers have subscribed again a message may reach no one: say it again until it arrives.
            Assert.Equal("alice", (await UntilDeliveredAsync(alice, bob, "from A after the restart")).GetProperty("from").GetString());
            Assert.Equal("bob", (await UntilDeliveredAsync(bob, alice, "from B after the restart")).GetProperty("from").GetString());

            // The heartbeats took both names again in the new Redis: a newcomer sees them, and cannot take them.
            ChatTestClient? carol = null;
            for (int attempt = 0; carol is null; attempt++)
            {
                var (probe, probeJoined, _) = await ChatTestClient.JoinAsync(b.ChatUri(), "carol" + attempt);
                if (ChatTestClient.Members(probeJoined).SequenceEqual(new[] { "alice", "bob", "carol" + attempt }))
                {
                    carol = probe;
                    break;
                }

                probe.Dispose();
                Assert.True(attempt < 100, "the names were not taken again after the restart: " + probeJoined);
                await Task.Delay(200);
            }

            using (carol)
            using (ChatTestClient impostor = await ChatTestClient.ConnectAsync(b.ChatUri()))
            {
                await impostor.SendAsync(new { type = "join", name = "Alice" });
                Assert.Equal("name-taken", (await impostor.ExpectAsync("error")).GetProperty("code").GetString());
            }
        }
    }

    [Fact]
    public async Task In_redis_too_connections_that_never_join_hold_no_room_and_an_emptied_room_frees_its_place_but_keeps_its_history()
    {
        await using RedisServerProcess redis = await RedisServerProcess.StartAsync();
        await using ChatServerProcess node = await ChatServerProcess.StartAsync("--redis", redis.Endpoint, "--max-rooms", "2");
        for (int i = 0; i < 30; i++)
        {
            using ChatTestClient visitor = await ChatTestClient.ConnectAsync(node.ChatUri("made-up-" + i));
        }

        foreach (string room in new[] { "first", "second", "third" })
        {
            var (speaker, _, _) = await ChatTestClient.JoinAsync(node.ChatUri(room), "speaker");
            using (speaker)
            {
                await speaker.SayAsync("said in " + room);
                await SkipUntilMessageAsync(speaker, "said in " + room);
                await speaker.Connection.CloseAsync(CloseStatus.NormalClosure);
            }
        }

        // Three rooms were opened one after another with a limit of two; the first still has its history, in Redis.
        var (back, _, history) = await ChatTestClient.JoinAsync(node.ChatUri("first"), "back");
        using (back)
        {
            Assert.Equal(new[] { ("speaker", "said in first") }, history.GetProperty("messages").EnumerateArray().Select(Line).ToArray());
        }

        Assert.Equal("0", await redis.CommandAsync("EXISTS", "chat:{made-up-0}:seq"));
    }

    [Fact]
    public async Task In_redis_emptied_rooms_keep_history_within_the_total_limit_across_servers_the_least_recently_emptied_dropped_first()
    {
        await using RedisServerProcess redis = await RedisServerProcess.StartAsync();
        string[] arguments = ["--redis", redis.Endpoint, "--max-kept-history", "3"];
        await using ChatServerProcess a = await ChatServerProcess.StartAsync(arguments);
        await using ChatServerProcess b = await ChatServerProcess.StartAsync(arguments);
        foreach ((ChatServerProcess node, string room) in new[] { (a, "older"), (b, "newer") })
        {
            var (speaker, _, _) = await ChatTestClient.JoinAsync(node.ChatUri(room), "speaker");
            using (speaker)
            {
                foreach (string line in new[] { room + " 1", room + " 2" })
                {
                    await speaker.SayAsync(line);
                    await SkipUntilMessageAsync(speaker, line);
                }

                await speaker.Connection.CloseAsync(CloseStatus.NormalClosure);
            }

            // The room is marked emptied once its leave has run: wait for Redis to say so.
            for (int attempt = 0; await redis.CommandAsync("ZSCORE", "chat:{emptied}:rooms", room) == string.Empty; attempt++)
            {
                Assert.True(attempt < 100, $"{room} was never marked emptied");
                await Task.Delay(100);
            }
        }

        // Four kept messages against a limit of three: the room emptied first is forgotten, in Redis itself.
        Assert.Equal("0", await redis.CommandAsync("EXISTS", "chat:{older}:history"));
        Assert.Equal("2", await redis.CommandAsync("LLEN", "chat:{newer}:history"));
        Assert.Equal("2", await redis.CommandAsync("GET", "chat:{emptied}:total"));
        var (back, _, history) = await ChatTestClient.JoinAsync(a.ChatUri("newer"), "back");
        using (back)
        {
            Assert.Equal(new[] { "newer 1", "newer 2" }, history.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("text").GetString()).ToArray());

            // Occupied again, it no longer counts among the emptied rooms (once the join's follow-up has run).
            for (int attempt = 0; await redis.CommandAsync("ZCARD", "chat:{emptied}:rooms") != "0"; attempt++)
            {
                Assert.True(attempt < 100, "newer still counts as emptied");
                await Task.Delay(100);
            }

            Assert.Equal("0", await redis.CommandAsync("GET", "chat:{emptied}:total"));
        }
    }

    [Fact]
    public async Task In_redis_what_a_member_receives_per_join_and_leave_does_not_grow_with_the_room()
    {
        await using RedisServerProcess redis = await RedisServerProcess.StartAsync();
        string[] arguments = ["--redis", redis.Endpoint, "--join-rate", "1000"];
        await using ChatServerProcess a = await ChatServerProcess.StartAsync(arguments);
        await using ChatServerProcess b = await ChatServerProcess.StartAsync(arguments);
        await Hardening.ChatAbuseHardeningTests.PresenceCostAsync(a, b, _output);
    }

    private static Task<ChatServerProcess> StartNodeAsync(RedisServerProcess redis) =>
        ChatServerProcess.StartAsync("--redis", redis.Endpoint, "--redis-presence-ttl", "1.5", "--rate", "1000");

    /// <summary>
    /// Says "<paramref name="text"/> #N" from <paramref name="from"/> every 200 ms until one of them reaches
    /// <paramref name="to"/>: until both servers are subscribed again, a message may reach no one (pub/sub keeps nothing
    /// for a subscriber that is away). Bounded by the client's wait for a message.
    /// </summary>
    private static async Task<JsonElement> UntilDeliveredAsync(ChatTestClient from, ChatTestClient to, string text)
    {
        Task<JsonElement> arrived = SkipUntilMessageAsync(to, text);
        for (int attempt = 0; !arrived.IsCompleted; attempt++)
        {
            Assert.True(attempt < 150, $"'{text}' did not reach the other server");
            await from.SayAsync($"{text} #{attempt}");
            await Task.WhenAny(arrived, Task.Delay(200));
        }

        return await arrived;
    }

    /// <summary>Messages (and anything else) until a message whose text starts with <paramref name="text"/>.</summary>
    private static async Task<JsonElement> SkipUntilMessageAsync(ChatTestClient member, string text)
    {
        while (true)
        {
            JsonElement message = await member.SkipUntilAsync("message");
            if (message.GetProperty("text").GetString()!.StartsWith(text, StringComparison.Ordinal))
            {
                return message;
            }
        }
    }

    private static async Task<List<(string, string)>> MessagesAsync(ChatTestClient member, int count)
    {
        var lines = new List<(string, string)>();
        for (int i = 0; i < count; i++)
        {
            lines.Add(Line(await member.ExpectAsync("message")));
        }

        return lines;
    }

    private static (string, string) Line(JsonElement message) =>
        (message.GetProperty("from").GetString()!, message.GetProperty("text").GetString()!);

    private static (string?, string?) Change(JsonElement presence) => ChatTestClient.Change(presence);
}
