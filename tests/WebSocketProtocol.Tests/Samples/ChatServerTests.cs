using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Handshake;
using Xunit;

namespace WebSocketProtocol.Tests.Samples;

/// <summary>samples/ChatServer as a process on loopback, driven by the library's client role speaking PROTOCOL.md.</summary>
[Collection(SampleCollection.Name)]
public class ChatServerTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Three_members_chat_and_each_sees_every_message_presence_and_the_member_list()
    {
        await using ChatServerProcess server = await ChatServerProcess.StartAsync();
        Uri room = server.ChatUri("team");
        var (alice, aliceJoined, _) = await ChatTestClient.JoinAsync(room, "alice");
        using (alice)
        {
            Assert.Equal(new[] { "alice" }, ChatTestClient.Members(aliceJoined));
            Assert.Equal("team", aliceJoined.GetProperty("room").GetString());

            var (bob, bobJoined, _) = await ChatTestClient.JoinAsync(room, "bob");
            using (bob)
            {
                Assert.Equal(new[] { "alice", "bob" }, ChatTestClient.Members(bobJoined));
                JsonElement bobArrived = await alice.ExpectAsync("presence");
                Assert.Equal(("join", "bob"), (bobArrived.GetProperty("event").GetString(), bobArrived.GetProperty("name").GetString()));

                var (carol, _, _) = await ChatTestClient.JoinAsync(room, "carol");
                using (carol)
                {
                    await alice.ExpectAsync("presence");
                    JsonElement carolArrived = await bob.ExpectAsync("presence");
                    Assert.Equal(("join", "carol"), ChatTestClient.Change(carolArrived));

                    await alice.SayAsync("hello from alice");
                    await bob.SayAsync("hi, bob here");
                    await carol.SayAsync("<img src=x onerror=alert(1)> & 😀");
                    // The three were sent at once from three connections: any order, but the same order for everyone.
                    var orders = new List<List<(string, string)>>();
                    foreach (ChatTestClient member in new[] { alice, bob, carol })
                    {
                        var seen = new List<(string, string)>();
                        for (int i = 0; i < 3; i++)
                        {
                            JsonElement message = await member.ExpectAsync("message");
                            seen.Add((message.GetProperty("from").GetString()!, message.GetProperty("text").GetString()!));
                            Assert.True(DateTimeOffset.TryParse(message.GetProperty("time").GetString(), out _));
                        }

                        orders.Add(seen);
                    }

                    Assert.Equal(new[] { ("alice", "hello from alice"), ("bob", "hi, bob here"), ("carol", "<img src=x onerror=alert(1)> & 😀") }, orders[0].Order());
                    Assert.Equal(orders[0], orders[1]);
                    Assert.Equal(orders[0], orders[2]);
                }

                JsonElement carolLeft = await alice.ExpectAsync("presence");
                Assert.Equal(("leave", "carol"), ChatTestClient.Change(carolLeft));
            }
        }
    }

    [Fact]
    public async Task A_late_joiner_gets_the_last_100_messages_of_its_room_only()
    {
        await using ChatServerProcess server = await ChatServerProcess.StartAsync("--rate", "1000");
        var (talker, _, _) = await ChatTestClient.JoinAsync(server.ChatUri("history"), "talker");
        using (talker)
        {
            for (int i = 0; i < 120; i++)
            {
                await talker.SayAsync($"line {i}");
            }

            for (int i = 0; i < 120; i++)
            {
                await talker.ExpectAsync("message");
            }

            var (late, _, history) = await ChatTestClient.JoinAsync(server.ChatUri("history"), "late");
            using (late)
            {
                string?[] lines = history.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("text").GetString()).ToArray();
                Assert.Equal(Enumerable.Range(20, 100).Select(i => $"line {i}"), lines);
            }

            var (elsewhere, _, otherHistory) = await ChatTestClient.JoinAsync(server.ChatUri("other-room"), "late");
            using (elsewhere)
            {
                Assert.Empty(otherHistory.GetProperty("messages").EnumerateArray());
            }
        }
    }

    [Fact]
    public async Task A_message_id_is_echoed_and_a_message_sent_again_with_its_id_is_stored_once()
    {
        await using ChatServerProcess server = await ChatServerProcess.StartAsync("--rate", "1000");
        await ChatMessageIds.AssertStoredOnceAsync(server.ChatUri("ids"), server.ChatUri("ids"));
    }

    [Fact]
    public async Task A_taken_or_invalid_nickname_gets_a_clear_error_and_may_try_again()
    {
        await using ChatServerProcess server = await ChatServerProcess.StartAsync();
        var (first, _, _) = await ChatTestClient.JoinAsync(server.ChatUri(), "Zoë");
        using (first)
        using (ChatTestClient second = await ChatTestClient.ConnectAsync(server.ChatUri()))
        {
            await second.SendAsync(new { type = "join", name = "zoË" });
            Assert.Equal("name-taken", (await second.ExpectAsync("error")).GetProperty("code").GetString());
            await second.SendAsync(new { type = "join", name = " padded" });
            Assert.Equal("invalid-name", (await second.ExpectAsync("error")).GetProperty("code").GetString());
            await second.SendAsync(new { type = "join", name = new string('x', 33) });
            Assert.Equal("invalid-name", (await second.ExpectAsync("error")).GetProperty("code").GetString());
            await second.SendAsync(new { type = "message", text = "before joining" });
            Assert.Equal("not-joined", (await second.ExpectAsync("error")).GetProperty("code").GetString());

            await second.SendAsync(new { type = "join", name = "Zoe 2" });
            Assert.Equal("Zoe 2", (await second.ExpectAsync("joined")).GetProperty("name").GetString());
        }
    }

    [Fact]
    public async Task Look_alikes_of_members_names_are_refused_and_names_are_shown_in_nfc()
    {
        await using ChatServerProcess server = await ChatServerProcess.StartAsync();
        await LookAlikeNicknames.AssertRefusedAsync(server.ChatUri("look-alikes"), server.ChatUri("look-alikes"));
    }

    [Fact]
    public async Task A_lone_surrogate_in_a_join_or_a_message_gets_bad_request_and_the_connection_stays_open()
    {
        await using ChatServerProcess server = await ChatServerProcess.StartAsync();
        using ChatTestClient member = await ChatTestClient.ConnectAsync(server.ChatUri());
        // Valid JSON and valid UTF-8, but "\ud800" escapes half a surrogate pair: no Unicode text.
        await member.SendRawAsync("{\"type\":\"join\",\"name\":\"\\ud800\"}");
        Assert.Equal("bad-request", (await member.ExpectAsync("error")).GetProperty("code").GetString());

        await member.SendAsync(new { type = "join", name = "alice" });
        await member.ExpectAsync("joined");
        await member.ExpectAsync("history");
        await member.SendRawAsync("{\"type\":\"message\",\"text\":\"\\udc00x\"}");
        Assert.Equal("bad-request", (await member.ExpectAsync("error")).GetProperty("code").GetString());

        await member.SayAsync("still here");
        Assert.Equal("still here", (await member.ExpectAsync("message")).GetProperty("text").GetString());
    }

    [Fact]
    public async Task An_oversized_message_is_refused_with_an_error_and_a_huge_one_closes_with_1009()
    {
        await using ChatServerProcess server = await ChatServerProcess.StartAsync("--max-chat-message", "100");
        var (member, _, _) = await ChatTestClient.JoinAsync(server.ChatUri(), "writer");
        using (member)
        {
            await member.SayAsync(new string('a', 101));
            Assert.Equal("message-length", (await member.ExpectAsync("error")).GetProperty("code").GetString());
            await member.SayAsync(new string('a', 100));
            Assert.Equal(100, (await member.ExpectAsync("message")).GetProperty("text").GetString()!.Length);

            // Past the connection's own limit (4 bytes a character plus 1 KiB, at least 4 KiB) the message is never buffered.
            await member.SayAsync(new string('a', 10_000));
            JsonElement closed = await member.ExpectAsync("close");
            Assert.Equal(1009, closed.GetProperty("code").GetInt32());
        }
    }

    [Fact]
    public async Task A_member_over_the_rate_limit_is_told_and_its_extra_messages_are_dropped()
    {
        await using ChatServerProcess server = await ChatServerProcess.StartAsync("--rate", "2");
        var (member, _, _) = await ChatTestClient.JoinAsync(server.ChatUri(), "fast");
        using (member)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            for (int i = 0; i < 10; i++)
            {
                await member.SayAsync($"burst {i}");
            }

            double seconds = clock.Elapsed.TotalSeconds;

            int delivered = 0, limited = 0;
            for (int i = 0; i < 10; i++)
            {
                JsonElement reply = await member.NextAsync();
                string? type = reply.GetProperty("type").GetString();
                delivered += type == "message" ? 1 : 0;
                limited += type == "error" && reply.GetProperty("code").GetString() == "rate-limited" ? 1 : 0;
            }

            // A burst of twice the rate passes, plus what the rate refilled while the ten went out; the rest are refused.
            Assert.InRange(delivered, 4, 5 + (int)Math.Ceiling(seconds * 2));
            Assert.True(limited > 0);
            Assert.Equal(10 - delivered, limited);
        }
    }

    [Fact]
    public async Task A_member_that_stops_reading_is_cut_off_with_1013_while_the_others_receive_everything()
    {
        await using ChatServerProcess server = await ChatServerProcess.StartAsync("--rate", "1000000", "--max-queue", "64", "--max-chat-message", "60000");
        Uri room = server.ChatUri("busy");
        var (stalled, _, _) = await ChatTestClient.JoinAsync(room, "stalled");
        var (reader, _, _) = await ChatTestClient.JoinAsync(room, "reader");
        var (sender, _, _) = await ChatTestClient.JoinAsync(room, "sender");
        using (stalled)
        using (reader)
        using (sender)
        {
            await stalled.ExpectAsync("presence");
            await stalled.ExpectAsync("presence");
            await reader.ExpectAsync("presence");

            // 2,000 messages of 30 KB: 60 MB, far beyond what the sockets and the queue of 64 can hold for a member that reads
            // nothing. The sender goes in rounds of 16 that both readers finish first, so on a loaded machine only the stalled
            // member ever falls behind.
            string text = new string('x', 30_000);
            const int Count = 2000;
            const int Round = 16;
            int readerCount = 0, senderCount = 0;
            static bool IsStalledLeaving(JsonElement e) =>
                e.GetProperty("type").GetString() == "presence" && e.GetProperty("name").GetString() == "stalled" && e.GetProperty("event").GetString() == "leave";
            Task<List<JsonElement>> reading = Task.Run(async () =>
            {
                var events = new List<JsonElement>();
                while (Volatile.Read(ref readerCount) < Count || !events.Exists(IsStalledLeaving))
                {
                    JsonElement next = await reader.NextAsync();
                    if (next.GetProperty("type").GetString() == "message")
                    {
                        Interlocked.Increment(ref readerCount);
                    }
                    else
                    {
                        events.Add(next);
                    }
                }

                return events;
            });
            Task draining = Task.Run(async () =>
            {
                while (Volatile.Read(ref senderCount) < Count)
                {
                    if ((await sender.NextAsync()).GetProperty("type").GetString() == "message")
                    {
                        Interlocked.Increment(ref senderCount);
                    }
                }
            });
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            for (int i = 0; i < Count; i++)
            {
                await sender.SayAsync(text);
                if (i % Round == Round - 1)
                {
                    while (Volatile.Read(ref readerCount) <= i || Volatile.Read(ref senderCount) <= i)
                    {
                        await Task.Delay(1, deadline.Token);
                        if (reading.IsFaulted || draining.IsFaulted)
                        {
                            await Task.WhenAll(reading, draining);
                        }
                    }
                }
            }

            await Task.WhenAll(reading, draining).WaitAsync(deadline.Token);
            Assert.Contains((await reading).Where(e => e.GetProperty("type").GetString() == "presence"), IsStalledLeaving);

            // The stalled member, reading at last, finds what its queue held and then the close (or just the end of the connection).
            int? code = null;
            try
            {
                while (code is null)
                {
                    JsonElement next = await stalled.NextAsync();
                    if (next.GetProperty("type").GetString() == "close")
                    {
                        code = next.GetProperty("code").ValueKind == JsonValueKind.Number ? next.GetProperty("code").GetInt32() : 0;
                    }
                }
            }
            catch (WebSocketProtocolException exception) when (exception.Error == ProtocolError.ConnectionLost)
            {
                code = 1006;
            }

            Assert.Contains(code, new int?[] { 1013, 1006 });
        }
    }

    [Fact]
    public async Task Past_the_room_limit_a_join_to_a_new_room_is_refused_with_1008_while_existing_rooms_still_take_members()
    {
        await using ChatServerProcess server = await ChatServerProcess.StartAsync("--max-rooms", "2");
        var (first, _, _) = await ChatTestClient.JoinAsync(server.ChatUri("one"), "a");
        var (second, _, _) = await ChatTestClient.JoinAsync(server.ChatUri("two"), "b");
        using (first)
        using (second)
        using (ChatTestClient third = await ChatTestClient.ConnectAsync(server.ChatUri("three")))
        {
            // Connecting costs no room; joining would open a third.
            await third.SendAsync(new { type = "join", name = "c" });
            Assert.Equal("too-many-rooms", (await third.ExpectAsync("error")).GetProperty("code").GetString());
            Assert.Equal(1008, (await third.ExpectAsync("close")).GetProperty("code").GetInt32());
            var (again, joined, _) = await ChatTestClient.JoinAsync(server.ChatUri("one"), "c");
            using (again)
            {
                Assert.Equal(new[] { "a", "c" }, ChatTestClient.Members(joined));
            }
        }
    }

    [Fact]
    public async Task A_page_of_another_origin_is_refused_with_403_unless_allowed()
    {
        await using ChatServerProcess server = await ChatServerProcess.StartAsync("--allowed-origin", "http://allowed.example");
        var refused = await Assert.ThrowsAsync<WebSocketConnectException>(() => ChatTestClient.ConnectAsync(server.ChatUri(), "http://evil.example"));
        Assert.Equal((WebSocketConnectError.HandshakeRefused, 403), (refused.Error, refused.StatusCode));

        using ChatTestClient sameOrigin = await ChatTestClient.ConnectAsync(server.ChatUri(), server.Origin);
        using ChatTestClient allowed = await ChatTestClient.ConnectAsync(server.ChatUri(), "http://allowed.example");
    }

    [Fact]
    public async Task An_upgrade_to_a_path_not_served_is_404_and_a_plain_GET_of_a_WebSocket_endpoint_is_426_Upgrade_websocket()
    {
        await using ChatServerProcess server = await ChatServerProcess.StartAsync();
        var missing = await Assert.ThrowsAsync<WebSocketConnectException>(() => ChatTestClient.ConnectAsync(new Uri(server.ChatUri(), "/nope")));
        Assert.Equal((WebSocketConnectError.HandshakeRefused, 404), (missing.Error, missing.StatusCode));

        using var http = new HttpClient { Timeout = Bound };
        foreach (string endpoint in new[] { "/echo", "/chat" })
        {
            HttpResponseMessage plain = await http.GetAsync(new Uri(server.Origin + endpoint));
            Assert.Equal(System.Net.HttpStatusCode.UpgradeRequired, plain.StatusCode);
            Assert.Equal("websocket", Assert.Single(plain.Headers.Upgrade).Name);
        }
    }

    [Fact]
    public async Task The_page_and_its_files_are_served_on_the_same_port_with_a_content_security_policy()
    {
        await using ChatServerProcess server = await ChatServerProcess.StartAsync();
        using var http = new HttpClient { Timeout = Bound };
        HttpResponseMessage page = await http.GetAsync(new Uri(server.Origin + "/"));
        Assert.Equal(System.Net.HttpStatusCode.OK, page.StatusCode);
        string html = await page.Content.ReadAsStringAsync();
        Assert.Contains("<script src=\"/chat.js\"></script>", html, StringComparison.Ordinal);
        Assert.Contains("default-src 'self'", string.Join(",", page.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync(new Uri(server.Origin + "/chat.js"))).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await http.GetAsync(new Uri(server.Origin + "/nothing-here"))).StatusCode);
    }

    [Fact]
    public async Task Stopping_the_server_as_Ctrl_C_does_closes_every_connection_with_1001_and_the_server_exits()
    {
        ChatServerProcess server = await ChatServerProcess.StartAsync();
        await using (server)
        {
            var (one, _, _) = await ChatTestClient.JoinAsync(server.ChatUri("a"), "one");
            var (two, _, _) = await ChatTestClient.JoinAsync(server.ChatUri("b"), "two");
            using (one)
            using (two)
            {
                server.Process.Stop();
                Assert.Equal(1001, (await one.SkipUntilAsync("close")).GetProperty("code").GetInt32());
                Assert.Equal(1001, (await two.SkipUntilAsync("close")).GetProperty("code").GetInt32());
                Assert.Equal(0, await server.Process.WaitForExitAsync(Bound));
            }
        }
    }
}

/// <summary>Sample processes run one test at a time: each takes a whole core while it starts.</summary>
[CollectionDefinition(Name)]
public sealed class SampleCollection
{
    public const string Name = "Samples";
}
