using System;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using WebSocketProtocol.Tests.Support;
using Xunit;

namespace WebSocketProtocol.Tests.Samples;

/// <summary>samples/ChatClient as a process, typed into through its standard input, in a room of samples/ChatServer.</summary>
[Collection(SampleCollection.Name)]
public class ChatClientTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_console_client_joins_chats_both_ways_and_leaves_with_1000_when_its_input_ends()
    {
        await using ChatServerProcess server = await ChatServerProcess.StartAsync();
        var (alice, _, _) = await ChatTestClient.JoinAsync(server.ChatUri("console"), "alice");
        using (alice)
        {
            await using ChildProcess bob = StartClient(server.ChatUri(), "--name", "bob", "--room", "console");
            Assert.Equal("console as bob", await bob.WaitForLineAsync("joined ", Bound));
            Assert.Equal("alice, bob", await bob.WaitForLineAsync("members: ", Bound));
            JsonElement arrived = await alice.ExpectAsync("presence");
            Assert.Equal(("join", "bob"), (arrived.GetProperty("event").GetString(), arrived.GetProperty("name").GetString()));

            await bob.WriteLineAsync("hello from the console <b>😀</b>", Bound);
            JsonElement said = await alice.ExpectAsync("message");
            Assert.Equal(("bob", "hello from the console <b>😀</b>"), (said.GetProperty("from").GetString(), said.GetProperty("text").GetString()));

            await alice.SayAsync("hi bob");
            await bob.WaitForLineAsync(new Regex(@"^\[\d\d:\d\d:\d\d\] alice: hi bob$"), Bound);

            bob.CloseInput();
            JsonElement left = await alice.SkipUntilAsync("presence");
            Assert.Equal(("leave", "bob"), ChatTestClient.Change(left));
            Assert.Equal(0, await bob.WaitForExitAsync(Bound));
            Assert.Equal("1000", await bob.WaitForLineAsync("closed ", Bound));
        }
    }

    [Fact]
    public async Task The_console_client_prints_the_history_and_leaves_with_1000_on_quit_and_when_told_to_stop()
    {
        await using ChatServerProcess server = await ChatServerProcess.StartAsync();
        var (alice, _, _) = await ChatTestClient.JoinAsync(server.ChatUri(), "alice");
        using (alice)
        {
            await alice.SayAsync("said before anyone came");
            await alice.ExpectAsync("message");

            await using (ChildProcess quitter = StartClient(server.ChatUri(), "--name", "quitter"))
            {
                await quitter.WaitForLineAsync(new Regex(@"^\[\d\d:\d\d:\d\d\] alice: said before anyone came$"), Bound);
                await quitter.WriteLineAsync("/quit", Bound);
                Assert.Equal(0, await quitter.WaitForExitAsync(Bound));
                Assert.Equal("1000", await quitter.WaitForLineAsync("closed ", Bound));
            }

            await using (ChildProcess interrupted = StartClient(server.ChatUri(), "--name", "interrupted"))
            {
                await interrupted.WaitForLineAsync("joined ", Bound);
                interrupted.Stop();
                Assert.Equal(0, await interrupted.WaitForExitAsync(Bound));
                Assert.Equal("1000", await interrupted.WaitForLineAsync("closed ", Bound));
            }

            foreach (string name in new[] { "quitter", "interrupted" })
            {
                JsonElement arrived = await alice.ExpectAsync("presence");
                Assert.Equal(("join", name), (arrived.GetProperty("event").GetString(), arrived.GetProperty("name").GetString()));
                JsonElement left = await alice.ExpectAsync("presence");
                Assert.Equal(("leave", name), (left.GetProperty("event").GetString(), left.GetProperty("name").GetString()));
            }
        }
    }

    [Fact]
    public async Task The_console_client_prints_a_taken_name_error_and_exits_with_4()
    {
        await using ChatServerProcess server = await ChatServerProcess.StartAsync();
        var (alice, _, _) = await ChatTestClient.JoinAsync(server.ChatUri("taken"), "alice");
        using (alice)
        {
            await using ChildProcess impostor = StartClient(server.ChatUri("taken"), "--name", "ALICE");
            Assert.StartsWith("Someone in taken is already called ALICE", await impostor.WaitForLineAsync("error name-taken: ", Bound), StringComparison.Ordinal);
            Assert.Equal(4, await impostor.WaitForExitAsync(Bound));
        }
    }

    [Fact]
    public async Task The_console_client_exits_with_3_when_the_server_shuts_down_under_it()
    {
        ChatServerProcess server = await ChatServerProcess.StartAsync();
        await using (server)
        {
            await using ChildProcess member = StartClient(server.ChatUri(), "--name", "member");
            await member.WaitForLineAsync("joined ", Bound);
            server.Process.Stop();
            Assert.Equal("1001 server shutting down", await member.WaitForLineAsync("closed ", Bound));
            Assert.Equal(3, await member.WaitForExitAsync(Bound));
        }
    }

    [Fact]
    public async Task The_console_client_prints_its_usage_for_help_and_exits_with_2_on_bad_usage_or_1_without_a_server()
    {
        // The help is generated from the options: each one is listed with its description, the exit codes follow.
        await using (ChildProcess help = StartClient("--help"))
        {
            Assert.Equal("[<url>] [options]", await help.WaitForLineAsync("  ChatClient ", Bound));
            Assert.Contains("your nickname in the room (required)", await help.WaitForLineAsync("  --name <NAME>", Bound), StringComparison.Ordinal);
            Assert.Contains("the room to join", await help.WaitForLineAsync("  --room <ROOM>", Bound), StringComparison.Ordinal);
            Assert.Equal(0, await help.WaitForExitAsync(Bound));
        }

        // A bad value names what is wrong, then the help follows on standard error.
        await using (ChildProcess scheme = StartClient("http://localhost:1/chat", "--name", "nobody"))
        {
            Assert.Equal(2, await scheme.WaitForExitAsync(Bound));
            Assert.Contains("Not a ws:// or wss:// URL: http://localhost:1/chat", scheme.StandardError, StringComparison.Ordinal);
            Assert.Contains("--name <NAME>", scheme.StandardError, StringComparison.Ordinal);
        }

        await using (ChildProcess unknown = StartClient("ws://localhost:1/chat", "--name", "nobody", "--colour", "red"))
        {
            Assert.Equal(2, await unknown.WaitForExitAsync(Bound));
            Assert.Contains("'--colour'", unknown.StandardError, StringComparison.Ordinal);
        }

        await using (ChildProcess nameless = StartClient("ws://localhost:1/chat"))
        {
            Assert.Equal(2, await nameless.WaitForExitAsync(Bound));
            Assert.Contains("--name is required", nameless.StandardError, StringComparison.Ordinal);
        }

        // Port 1 on loopback: nothing listens there, so the connection is refused at once.
        await using (ChildProcess unreachable = StartClient("ws://127.0.0.1:1/chat", "--name", "nobody"))
        {
            Assert.Equal(1, await unreachable.WaitForExitAsync(Bound));
            Assert.Contains("Could not connect to ws://127.0.0.1:1/chat", unreachable.StandardError, StringComparison.Ordinal);
        }
    }

    private static ChildProcess StartClient(Uri uri, params string[] arguments) => StartClient([uri.ToString(), .. arguments]);

    private static ChildProcess StartClient(params string[] arguments) => ChildProcess.StartSample("ChatClient", arguments);
}
