using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using WebSocketProtocol.Framing;
using WebSocketProtocol.Tests.Samples;
using WebSocketProtocol.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace WebSocketProtocol.Tests.Hardening;

/// <summary>
/// What one hostile chat client could take from everyone else: the room limit (rooms made by connecting), bandwidth
/// (presence that grows with the room), the rate limits (many connections from one address), and a server on this
/// machine reached through another site's name (DNS rebinding). Each limit costs the offender only.
/// </summary>
[Collection(SampleCollection.Name)]
public sealed class ChatAbuseHardeningTests
{
    private readonly ITestOutputHelper _output;

    public ChatAbuseHardeningTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task Connections_that_never_join_hold_no_room_so_made_up_room_names_cannot_use_up_max_rooms()
    {
        await using HardenedServer server = await HardenedServer.StartAsync("--max-rooms", "20");
        await server.WithstandsAsync(async () =>
        {
            // 105 made-up rooms, five times the limit: connect and hang up, or connect and stay without joining.
            var staying = new List<HostilePeer>();
            try
            {
                for (int i = 0; i < 105; i++)
                {
                    var (peer, _) = await HostilePeer.UpgradeAsync(server.Port, $"/chat?room=made-up-{i}");
                    if (i % 3 == 0)
                    {
                        staying.Add(peer);
                    }
                    else
                    {
                        peer.Dispose();
                    }
                }

                // A new room still opens for someone who joins.
                var (member, joined, _) = await ChatTestClient.JoinAsync(server.Process.ChatUri("real-room"), "member");
                using (member)
                {
                    Assert.Equal("real-room", joined.GetProperty("room").GetString());
                }
            }
            finally
            {
                staying.ForEach(peer => peer.Dispose());
            }
        }, _output);
    }

    [Fact]
    public async Task A_room_everyone_left_frees_its_place_under_max_rooms_and_keeps_its_history_for_the_next_member()
    {
        await using ChatServerProcess server = await ChatServerProcess.StartAsync("--max-rooms", "2");
        await SayAndLeaveAsync(server, "first", "said in first");
        await SayAndLeaveAsync(server, "second", "said in second");

        // Two rooms were used and emptied: a third opens.
        await SayAndLeaveAsync(server, "third", "said in third");

        // The first keeps what was said; with two rooms occupied, a third may not open.
        var (one, _, history) = await ChatTestClient.JoinAsync(server.ChatUri("first"), "back");
        var (two, _, _) = await ChatTestClient.JoinAsync(server.ChatUri("second"), "back");
        using (one)
        using (two)
        using (ChatTestClient refused = await ChatTestClient.ConnectAsync(server.ChatUri("fourth")))
        {
            Assert.Equal(new[] { "said in first" }, Texts(history));
            await refused.SendAsync(new { type = "join", name = "late" });
            Assert.Equal("too-many-rooms", (await refused.ExpectAsync("error")).GetProperty("code").GetString());
            Assert.Equal(1008, (await refused.ExpectAsync("close")).GetProperty("code").GetInt32());
        }
    }

    [Fact]
    public async Task Emptied_rooms_keep_their_history_within_the_total_limit_the_least_recently_used_dropped_first()
    {
        await using ChatServerProcess server = await ChatServerProcess.StartAsync("--max-kept-history", "3");
        await SayAndLeaveAsync(server, "older", "o1", "o2");
        await SayAndLeaveAsync(server, "newer", "n1", "n2");

        // Four messages kept against a limit of three: the room emptied first went.
        var (older, _, olderHistory) = await ChatTestClient.JoinAsync(server.ChatUri("older"), "back");
        using (older)
        {
            Assert.Empty(Texts(olderHistory));
        }

        var (newer, _, newerHistory) = await ChatTestClient.JoinAsync(server.ChatUri("newer"), "back");
        using (newer)
        {
            Assert.Equal(new[] { "n1", "n2" }, Texts(newerHistory));
        }
    }

    [Fact]
    public async Task What_a_member_receives_per_join_and_leave_does_not_grow_with_the_room()
    {
        await using ChatServerProcess server = await ChatServerProcess.StartAsync("--join-rate", "1000");
        await PresenceCostAsync(server, server, _output);
    }

    [Fact]
    public async Task Joins_from_one_address_are_rate_limited_and_the_refused_may_join_later()
    {
        // One join per ten seconds from an address (a burst of one): the second of two quick joins is refused.
        await using ChatServerProcess server = await ChatServerProcess.StartAsync("--join-rate", "0.1");
        var (first, _, _) = await ChatTestClient.JoinAsync(server.ChatUri("busy"), "first");
        using (first)
        using (ChatTestClient second = await ChatTestClient.ConnectAsync(server.ChatUri("busy")))
        {
            int refused = 0;
            for (int i = 0; i < 5; i++)
            {
                await second.SendAsync(new { type = "join", name = "second" + i });
                JsonElement answer = await second.NextAsync();
                if (answer.GetProperty("type").GetString() == "error")
                {
                    Assert.Equal("rate-limited", answer.GetProperty("code").GetString());
                    refused++;
                }
                else
                {
                    break;
                }
            }

            // Five attempts within a second or so: the bucket refills by one every ten seconds.
            Assert.InRange(refused, 4, 5);
        }
    }

    [Fact]
    public async Task One_connection_cannot_retry_joins_in_a_loop()
    {
        await using ChatServerProcess server = await ChatServerProcess.StartAsync();
        var (taken, _, _) = await ChatTestClient.JoinAsync(server.ChatUri("loop"), "taken");
        using (taken)
        using (ChatTestClient looper = await ChatTestClient.ConnectAsync(server.ChatUri("loop")))
        {
            var codes = new List<string?>();
            for (int i = 0; i < 20; i++)
            {
                await looper.SendAsync(new { type = "join", name = "taken" });
                codes.Add((await looper.ExpectAsync("error")).GetProperty("code").GetString());
            }

            // A burst of five attempts, then one a second: twenty in a row cannot all be tried.
            _output.WriteLine(string.Join(' ', codes));
            Assert.Equal("name-taken", codes[0]);
            Assert.True(codes.Count(code => code == "rate-limited") >= 10, string.Join(' ', codes));
        }
    }

    [Fact]
    public async Task Many_connections_from_one_address_share_one_message_rate()
    {
        // Each connection may post 5 a second, the address 1 a second (a burst of 2): ten connections cannot post ten times as much.
        await using ChatServerProcess server = await ChatServerProcess.StartAsync("--rate", "5", "--address-rate", "1");
        var members = new List<ChatTestClient>();
        try
        {
            for (int i = 0; i < 10; i++)
            {
                var (member, _, _) = await ChatTestClient.JoinAsync(server.ChatUri("shared"), "m" + i);
                members.Add(member);
            }

            for (int round = 0; round < 3; round++)
            {
                foreach (ChatTestClient member in members)
                {
                    await member.SayAsync($"round {round}");
                }
            }

            // Each member's three attempts are answered in order: its own message back from the room, or a refusal.
            int refused = 0;
            int posted = 0;
            for (int m = 0; m < members.Count; m++)
            {
                for (int answered = 0; answered < 3;)
                {
                    JsonElement next = await members[m].NextAsync();
                    string? type = next.GetProperty("type").GetString();
                    if (type == "error")
                    {
                        Assert.Equal("rate-limited", next.GetProperty("code").GetString());
                        refused++;
                        answered++;
                    }
                    else if (type == "message" && next.GetProperty("from").GetString() == "m" + m)
                    {
                        posted++;
                        answered++;
                    }
                }
            }

            _output.WriteLine($"30 messages from ten connections of one address: {posted} posted, {refused} refused");
            Assert.Equal(30, posted + refused);
            Assert.InRange(posted, 2, 10);
        }
        finally
        {
            members.ForEach(member => member.Dispose());
        }
    }

    [Theory]
    [InlineData("evil.example")]
    [InlineData("localhost.evil.example")]
    [InlineData("127.0.0.1.nip.example")]
    public async Task A_request_for_another_host_name_is_refused_for_the_page_and_the_upgrade(string host)
    {
        await using HardenedServer server = await HardenedServer.StartAsync();
        int port = server.Port;
        using (HostilePeer page = await HostilePeer.ConnectAsync(port))
        {
            await page.SendAsync(Encoding.ASCII.GetBytes($"GET / HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n"));
            Assert.Equal(421, (await page.ReadRefusalAsync()).Status);
        }

        using (HostilePeer upgrade = await HostilePeer.ConnectAsync(port))
        {
            string key = HostilePeer.NewKey();
            string head = $"GET /chat HTTP/1.1\r\nHost: {host}:{port}\r\nOrigin: http://{host}:{port}\r\nUpgrade: websocket\r\n" +
                $"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n";
            await upgrade.SendAsync(Encoding.ASCII.GetBytes(head));
            Assert.Equal(403, (await upgrade.ReadRefusalAsync()).Status);
        }
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("LOCALHOST")]
    [InlineData("chat.localhost")]
    [InlineData("127.0.0.1")]
    [InlineData("[::1]")]
    public async Task The_page_and_the_upgrade_answer_the_loopback_names_and_the_page_may_connect_to_itself_only(string host)
    {
        await using HardenedServer server = await HardenedServer.StartAsync();
        int port = server.Port;
        using (HostilePeer page = await HostilePeer.ConnectAsync(port))
        {
            await page.SendAsync(Encoding.ASCII.GetBytes($"GET / HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n"));
            HttpResponseHead response = await page.ReadRefusalAsync();
            Assert.Equal(200, response.Status);
            Assert.Contains("connect-src 'self';", response.Header("Content-Security-Policy"), StringComparison.Ordinal);
            Assert.DoesNotContain("ws:", response.Header("Content-Security-Policy"), StringComparison.Ordinal);
        }

        using (HostilePeer upgrade = await HostilePeer.ConnectAsync(port))
        {
            string key = HostilePeer.NewKey();
            string head = $"GET /echo HTTP/1.1\r\nHost: {host}:{port}\r\nOrigin: http://{host}:{port}\r\nUpgrade: websocket\r\n" +
                $"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n";
            await upgrade.SendAsync(Encoding.ASCII.GetBytes(head));
            Assert.Equal(101, (await upgrade.ReadResponseHeadAsync()).Status);
        }
    }

    [Fact]
    public async Task A_server_bound_beyond_loopback_needs_its_host_names_and_answers_those_only()
    {
        // Refused before it binds anything.
        await using (ChildProcess refusal = ChildProcess.StartSample("ChatServer", "--host", "0.0.0.0", "--port", "0"))
        {
            Assert.Equal(2, await refusal.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains("--allowed-host", refusal.StandardError, StringComparison.Ordinal);
        }

        await using HardenedServer server = await HardenedServer.StartAsync("--host", "127.0.0.1", "--allowed-host", "chat.example");
        foreach ((string host, int status) in new[] { ("chat.example", 200), ("CHAT.EXAMPLE.", 200), ("127.0.0.1", 200), ("other.example", 421) })
        {
            using HostilePeer page = await HostilePeer.ConnectAsync(server.Port);
            await page.SendAsync(Encoding.ASCII.GetBytes($"GET / HTTP/1.1\r\nHost: {host}\r\n\r\n"));
            Assert.Equal(status, (await page.ReadRefusalAsync()).Status);
        }
    }

    /// <summary>
    /// An observer (a raw socket, so frame sizes are exact) sees a probe join and leave in a room of 5, then of 60:
    /// the presence frames are the same size both times. Fillers join through <paramref name="fillerServer"/>.
    /// </summary>
    internal static async Task PresenceCostAsync(ChatServerProcess observerServer, ChatServerProcess fillerServer, ITestOutputHelper output)
    {
        using HostilePeer observer = await HostilePeer.ConnectAsync(observerServer.Port);
        await observer.UpgradeAsync("/chat?room=crowd");
        await observer.SendAsync(HostilePeer.Frame(Opcode.Text, Encoding.UTF8.GetBytes("{\"type\":\"join\",\"name\":\"observer\"}")));
        Assert.Contains("\"joined\"", (await observer.ReadFrameAsync()).Text, StringComparison.Ordinal);
        Assert.Contains("\"history\"", (await observer.ReadFrameAsync()).Text, StringComparison.Ordinal);

        var fillers = new List<ChatTestClient>();
        try
        {
            var sizes = new List<(int Room, int Join, int Leave)>();
            foreach (int roomSize in new[] { 5, 60 })
            {
                while (fillers.Count + 1 < roomSize)
                {
                    var (filler, _, _) = await ChatTestClient.JoinAsync(fillerServer.ChatUri("crowd"), $"filler{fillers.Count:000}");
                    fillers.Add(filler);
                    Assert.Contains("\"join\"", (await observer.ReadFrameAsync()).Text, StringComparison.Ordinal);
                }

                // The probe's name has the same length both times.
                var (probe, joined, _) = await ChatTestClient.JoinAsync(fillerServer.ChatUri("crowd"), $"probe{roomSize:000}");
                Assert.Equal(roomSize + 1, ChatTestClient.Members(joined).Length);
                ServerFrame join = await observer.ReadFrameAsync();
                probe.Dispose();
                ServerFrame leave = await observer.ReadFrameAsync();
                Assert.Contains("\"join\"", join.Text, StringComparison.Ordinal);
                Assert.Contains("\"leave\"", leave.Text, StringComparison.Ordinal);
                Assert.DoesNotContain("filler", join.Text + leave.Text, StringComparison.Ordinal);
                sizes.Add((roomSize, join.Payload.Length, leave.Payload.Length));
            }

            output.WriteLine(string.Join("; ", sizes.Select(s => $"room of {s.Room}: join {s.Join} B, leave {s.Leave} B")));
            Assert.Equal(sizes[0].Join, sizes[1].Join);
            Assert.Equal(sizes[0].Leave, sizes[1].Leave);
        }
        finally
        {
            fillers.ForEach(filler => filler.Dispose());
        }
    }

    private static async Task SayAndLeaveAsync(ChatServerProcess server, string room, params string[] lines)
    {
        var (member, _, _) = await ChatTestClient.JoinAsync(server.ChatUri(room), "speaker");
        using (member)
        {
            foreach (string line in lines)
            {
                await member.SayAsync(line);
                await member.ExpectAsync("message");
            }

            await member.Connection.CloseAsync(CloseStatus.NormalClosure);
        }
    }

    private static string?[] Texts(JsonElement history) =>
        history.GetProperty("messages").EnumerateArray().Select(message => message.GetProperty("text").GetString()).ToArray();
}
