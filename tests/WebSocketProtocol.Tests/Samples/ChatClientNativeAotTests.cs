using System;
using System.Globalization;
using System.IO;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using WebSocketProtocol.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace WebSocketProtocol.Tests.Samples;

/// <summary>
/// samples/ChatClient compiled with NativeAOT, as README.md describes, then chatting in a room of samples/ChatServer like
/// the managed client in <see cref="ChatClientTests"/>. The executable's size goes to the test output.
/// </summary>
[Collection(SampleCollection.Name)]
public class ChatClientNativeAotTests(ITestOutputHelper output)
{
    // The native compilation takes a minute or two on two busy cores; the test host's hang limit is five.
    private static readonly TimeSpan PublishBound = TimeSpan.FromMinutes(4);
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_console_client_publishes_natively_without_warnings_and_chats_and_leaves_with_1000()
    {
        using NativePublish published = await NativePublish.RunAsync(Path.Combine("samples", "ChatClient", "ChatClient.csproj"), "ChatClient", targetFramework: null, PublishBound);
        Assert.True(published.ExitCode == 0, $"dotnet publish exited with {published.ExitCode}:\n{published.Describe()}");
        Assert.True(published.Warnings.Count == 0, "dotnet publish warned:\n" + string.Join("\n", published.Warnings));
        Assert.True(File.Exists(published.Executable), $"{published.Executable} is missing:\n{published.Describe()}");
        Assert.True(published.ExecutableIsElf(), $"{published.Executable} is not an ELF executable");
        long size = new FileInfo(published.Executable).Length;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"native ChatClient: {size} bytes ({size / 1048576.0:F2} MiB), published in {published.Elapsed.TotalSeconds:F0} s"));

        await using ChatServerProcess server = await ChatServerProcess.StartAsync();
        var (alice, _, _) = await ChatTestClient.JoinAsync(server.ChatUri("native"), "alice");
        using (alice)
        {
            await using ChildProcess bob = ChildProcess.StartExecutable(published.Executable, server.ChatUri().ToString(), "--name", "bob", "--room", "native");
            Assert.Equal("native as bob", await bob.WaitForLineAsync("joined ", Bound));
            Assert.Equal("alice, bob", await bob.WaitForLineAsync("members: ", Bound));
            JsonElement arrived = await alice.ExpectAsync("presence");
            Assert.Equal(("join", "bob"), (arrived.GetProperty("event").GetString(), arrived.GetProperty("name").GetString()));

            await bob.WriteLineAsync("hello from native code 😀", Bound);
            JsonElement said = await alice.ExpectAsync("message");
            Assert.Equal(("bob", "hello from native code 😀"), (said.GetProperty("from").GetString(), said.GetProperty("text").GetString()));
            // The room broadcasts to its sender too: the client prints its own line as the room has it.
            await bob.WaitForLineAsync(new Regex(@"^\[\d\d:\d\d:\d\d\] bob: hello from native code 😀$"), Bound);

            await alice.SayAsync("hi bob");
            await bob.WaitForLineAsync(new Regex(@"^\[\d\d:\d\d:\d\d\] alice: hi bob$"), Bound);

            await bob.WriteLineAsync("/quit", Bound);
            JsonElement left = await alice.SkipUntilAsync("presence");
            Assert.Equal(("leave", "bob"), (left.GetProperty("event").GetString(), left.GetProperty("name").GetString()));
            Assert.Equal(0, await bob.WaitForExitAsync(Bound));
            Assert.Equal("1000", await bob.WaitForLineAsync("closed ", Bound));
        }
    }
}
