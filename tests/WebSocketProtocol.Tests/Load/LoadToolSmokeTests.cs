using System.Net.WebSockets;
using System;
using System.Globalization;
using System.Threading.Tasks;
using WebSocketProtocol.Connection;
using WebSocketProtocol.LoadTool;
using WebSocketProtocol.Tests.Samples;
using Xunit;

namespace WebSocketProtocol.Tests.Load;

/// <summary>
/// The load tool's scenarios (benchmarks/LoadTool), run in this process for about a second against the sample server on
/// loopback: echo must finish by itself with echoes counted, every one verified and no error; idle must open every
/// connection and find them all still open; broadcast must deliver every chat message to every member in order. No
/// timing is asserted. The broadcast runs on one server, and across two servers sharing the room through Redis.
/// </summary>
public sealed class LoadToolSmokeTests
{
    [Theory]
    [InlineData(16, WebSocketMessageType.Binary, 8, 16)]
    [InlineData(1024, WebSocketMessageType.Text, 16, 4)]
    [InlineData(65536, WebSocketMessageType.Binary, 4, 4)]
    public async Task Echo_against_the_sample_server_verifies_every_echo(int size, WebSocketMessageType type, int connections, int inFlight)
    {
        await using ChatServerProcess server = await ChatServerProcess.StartAsync();
        var options = new EchoOptions
        {
            Url = new Uri($"ws://127.0.0.1:{server.Port.ToString(CultureInfo.InvariantCulture)}/echo"),
            Connections = connections,
            InFlight = inFlight,
            PayloadSize = size,
            MessageType = type,
            Warmup = TimeSpan.FromSeconds(0.2),
            Duration = TimeSpan.FromSeconds(1),
            MaxMessages = 5_000_000,
            ServerPid = server.Process.Id,
            VerifyEvery = 1,
        };

        EchoResult result = await EchoScenario.RunAsync(options);

        Assert.True(result.Errors.Count == 0, result.Describe());
        Assert.True(result.WindowMessages > 0, result.Describe());
        Assert.True(result.Verified >= result.WindowMessages, result.Describe());
        Assert.Equal(result.Verified, result.ContentChecked);
        Assert.NotNull(result.ServerCpu);
        Assert.True(result.Succeeded);
        Assert.StartsWith("RESULT msgs_per_s=", result.ResultLine(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Idle_connections_against_the_sample_server_all_open_stay_open_and_the_server_memory_is_read()
    {
        await using ChatServerProcess server = await ChatServerProcess.StartAsync();
        var options = new EchoOptions
        {
            Url = new Uri($"ws://127.0.0.1:{server.Port.ToString(CultureInfo.InvariantCulture)}/echo"),
            Connections = 300,
            Duration = TimeSpan.FromSeconds(0.5),
            ServerPid = server.Process.Id,
        };

        (bool succeeded, string result) = await IdleScenario.RunAsync(options, _ => { });

        Assert.True(succeeded, result);
        Assert.Contains("connections=300 failures=0 dropped=0 ", result, StringComparison.Ordinal);
        Assert.DoesNotContain("server_rss_kib_per_connection=n/a", result, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Broadcast_in_a_sample_chat_room_delivers_every_message_to_every_member_in_order()
    {
        await using ChatServerProcess server = await ChatServerProcess.StartAsync("--rate", "1000000", "--max-queue", "4096");
        var options = new BroadcastOptions
        {
            Url = new Uri($"ws://127.0.0.1:{server.Port.ToString(CultureInfo.InvariantCulture)}/chat?room=smoke"),
            Members = 20,
            Messages = 50,
            Size = 32,
            Timeout = TimeSpan.FromSeconds(60),
            ServerPid = server.Process.Id,
        };

        BroadcastResult result = await BroadcastScenario.RunAsync(options);

        Assert.True(result.Succeeded, result.Describe());
        Assert.Empty(result.Errors);
        Assert.Equal(20, result.Joined);
        Assert.Equal(20 * 50, result.Delivered);
        Assert.Equal(0, result.OutOfOrder);
        Assert.Equal(0, result.Missing);
        Assert.NotNull(result.ServerCpu);
        Assert.StartsWith("RESULT deliveries_per_s=", result.ResultLine(), StringComparison.Ordinal);
        Assert.Contains(" delivered=1000 expected=1000 out_of_order=0 missing=0 errors=0", result.ResultLine(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Broadcast_across_two_sample_servers_on_redis_delivers_every_message_to_every_member_in_order()
    {
        await using RedisServerProcess redis = await RedisServerProcess.StartAsync();
        string[] arguments = ["--rate", "1000000", "--max-queue", "4096", "--redis", redis.Endpoint];
        await using ChatServerProcess senderNode = await ChatServerProcess.StartAsync(arguments);
        await using ChatServerProcess otherNode = await ChatServerProcess.StartAsync(arguments);
        var options = new BroadcastOptions
        {
            Url = new Uri($"ws://127.0.0.1:{senderNode.Port.ToString(CultureInfo.InvariantCulture)}/chat?room=smoke"),
            MoreUrls = [new Uri($"ws://127.0.0.1:{otherNode.Port.ToString(CultureInfo.InvariantCulture)}/chat?room=smoke")],
            Members = 20,
            Messages = 50,
            Size = 32,
            Timeout = TimeSpan.FromSeconds(60),
            ServerPid = senderNode.Process.Id,
        };

        BroadcastResult result = await BroadcastScenario.RunAsync(options);

        Assert.True(result.Succeeded, result.Describe());
        Assert.Equal(20, result.Joined);
        Assert.Contains(" delivered=1000 expected=1000 out_of_order=0 missing=0 errors=0", result.ResultLine(), StringComparison.Ordinal);
        Assert.Equal(options.Url, options.UrlOf(0));
        Assert.Equal(options.MoreUrls[0], options.UrlOf(1));
    }
}
