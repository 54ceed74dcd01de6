using System;
using System.Diagnostics;
using System.Linq;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using WebSocketProtocol.Tests.Support;
using Xunit;

namespace WebSocketProtocol.Tests.Samples;

/// <summary>
/// The chat's <c>typing</c> notices on the wire (samples/ChatServer as a process, clients of the library): relayed to the
/// other members by name, paced per member, dropped without an answer before a join, and ignored by the console client.
/// </summary>
[Collection(SampleCollection.Name)]
public class ChatTypingTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_typing_notice_reaches_the_other_members_by_name_and_not_the_typist_nor_another_room()
    {
        await using ChatServerProcess server = await ChatServerProcess.StartAsync();
        var (alice, _, _) = await ChatTestClient.JoinAsync(server.ChatUri("keys"), "alice");
        var (bob, _, _) = await ChatTestClient.JoinAsync(server.ChatUri("keys"), "bob");
        var (elsewhere, _, _) = await ChatTestClient.JoinAsync(server.ChatUri("other"), "elsewhere");
        using (alice)
        using (bob)
        using (elsewhere)
        {
            Assert.Equal(("join", "bob"), ChatTestClient.Change(await alice.ExpectAsync("presence")));
            await alice.SendAsync(new { type = "typing" });
            JsonElement notice = await bob.ExpectAsync("typing");
            Assert.Equal("alice", notice.GetProperty("name").GetString());
            Assert.Equal(2, notice.EnumerateObject().Count());

            // Then a line from each: nobody else heard the notice, and the typist did not get it back.
            await alice.SayAsync("done typing");
            Assert.Equal("done typing", (await bob.ExpectAsync("message")).GetProperty("text").GetString());
            Assert.Equal("done typing", (await alice.ExpectAsync("message")).GetProperty("text").GetString());
            await elsewhere.SayAsync("quiet here");
            Assert.Equal("quiet here", (await elsewhere.ExpectAsync("message")).GetProperty("text").GetString());
        }
    }

    [Fact]
    public async Task The_server_relays_at_most_one_typing_notice_a_second_per_member_after_a_burst_of_two_and_drops_the_rest_silently()
    {
        await using ChatServerProcess server = await ChatServerProcess.StartAsync();
        var (typist, _, _) = await ChatTestClient.JoinAsync(server.ChatUri("pace"), "typist");
        var (reader, _, _) = await ChatTestClient.JoinAsync(server.ChatUri("pace"), "reader");
        using (typist)
        using (reader)
        {
            await typist.ExpectAsync("presence");
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < 50; i++)
            {
                await typist.SendAsync(new { type = "typing" });
            }

            // A line after them marks where they end, for the reader and for the typist (who got no answer to any).
            await typist.SayAsync("marker");
            Assert.Equal("marker", (await typist.ExpectAsync("message")).GetProperty("text").GetString());
            int relayed = 0;
            JsonElement next;
            while ((next = await reader.NextAsync()).GetProperty("type").GetString() == "typing")
            {
                relayed++;
            }

            clock.Stop();
            Assert.Equal("marker", next.GetProperty("text").GetString());
            // A bucket of two that refills one a second: at most two, plus one for each whole second the 50 took.
            Assert.InRange(relayed, 2, 2 + (int)clock.Elapsed.TotalSeconds);
        }
    }

    [Fact]
    public async Task A_typing_notice_before_joining_gets_no_answer_and_the_join_after_it_works()
    {
        await using ChatServerProcess server = await ChatServerProcess.StartAsync();
        var (member, _, _) = await ChatTestClient.JoinAsync(server.ChatUri("early"), "member");
        using ChatTestClient early = await ChatTestClient.ConnectAsync(server.ChatUri("early"));
        using (member)
        {
            await early.SendAsync(new { type = "typing" });
            await early.SendAsync(new { type = "join", name = "early" });
            Assert.Equal("early", (await early.ExpectAsync("joined")).GetProperty("name").GetString());
            Assert.Equal(("join", "early"), ChatTestClient.Change(await member.ExpectAsync("presence")));
            await early.SayAsync("first words");
            Assert.Equal("first words", (await member.ExpectAsync("message")).GetProperty("text").GetString());
        }
    }

    [Fact]
    public async Task With_redis_a_typing_notice_reaches_the_members_on_every_server_once_and_not_the_typist()
    {
        await using RedisServerProcess redis = await RedisServerProcess.StartAsync();
        await using ChatServerProcess a = await ChatServerProcess.StartAsync("--redis", redis.Endpoint);
        await using ChatServerProcess b = await ChatServerProcess.StartAsync("--redis", redis.Endpoint);
        var (alice, _, _) = await ChatTestClient.JoinAsync(a.ChatUri("shared"), "alice");
        var (near, _, _) = await ChatTestClient.JoinAsync(a.ChatUri("shared"), "near");
        var (far, _, _) = await ChatTestClient.JoinAsync(b.ChatUri("shared"), "far");
        using (alice)
        using (near)
        using (far)
        {
            await alice.SendAsync(new { type = "typing" });
            Assert.Equal("alice", (await near.SkipUntilAsync("typing")).GetProperty("name").GetString());
            Assert.Equal("alice", (await far.SkipUntilAsync("typing")).GetProperty("name").GetString());

            // Her line comes after it to everyone; nobody heard the notice twice, and she did not hear her own.
            await alice.SayAsync("typed on A");
            var skippedNear = new System.Collections.Generic.List<JsonElement>();
            var skippedFar = new System.Collections.Generic.List<JsonElement>();
            var skippedAlice = new System.Collections.Generic.List<JsonElement>();
            Assert.Equal("typed on A", (await near.SkipUntilAsync("message", skippedNear)).GetProperty("text").GetString());
            Assert.Equal("typed on A", (await far.SkipUntilAsync("message", skippedFar)).GetProperty("text").GetString());
            Assert.Equal("typed on A", (await alice.SkipUntilAsync("message", skippedAlice)).GetProperty("text").GetString());
            Assert.DoesNotContain(skippedNear, m => m.GetProperty("type").GetString() == "typing");
            Assert.DoesNotContain(skippedFar, m => m.GetProperty("type").GetString() == "typing");
            Assert.DoesNotContain(skippedAlice, m => m.GetProperty("type").GetString() == "typing");
        }
    }

    [Fact]
    public async Task The_console_client_ignores_typing_notices_and_goes_on_chatting()
    {
        await using ChatServerProcess server = await ChatServerProcess.StartAsync();
        var (alice, _, _) = await ChatTestClient.JoinAsync(server.ChatUri("console"), "alice");
        using (alice)
        {
            await using ChildProcess bob = ChildProcess.StartSample("ChatClient", server.ChatUri().ToString(), "--name", "bob", "--room", "console");
            await bob.WaitForLineAsync("members: ", Bound);
            await alice.ExpectAsync("presence");
            await alice.SendAsync(new { type = "typing" });
            await alice.SayAsync("after typing");
            Assert.Equal("after typing", (await alice.ExpectAsync("message")).GetProperty("text").GetString());
            await bob.WaitForLineAsync(new Regex(@"^\[\d\d:\d\d:\d\d\] alice: after typing$"), Bound);
            Assert.DoesNotContain(bob.Output, line => line.Contains("typing", StringComparison.Ordinal) && !line.EndsWith("alice: after typing", StringComparison.Ordinal));
            await bob.WriteLineAsync("still here", Bound);
            Assert.Equal("still here", (await alice.ExpectAsync("message")).GetProperty("text").GetString());
        }
    }
}
