using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.WebSockets;
using System.Threading.Tasks;
using WebSocketProtocol.Connection;
using WebSocketProtocol.LoadTool;
using WebSocketProtocol.Tests.Support;
using Xunit;

namespace WebSocketProtocol.Tests.Load;

/// <summary>
/// The servers the load comparison measures the library against (benchmarks/run-load.sh), in every mode it starts them:
/// each must answer the upgrade and echo every message byte for byte, small and large, or the comparison would measure a
/// server that does not do the work. The load tool runs in this process for half a second per payload; no timing is asserted.
/// </summary>
public sealed class ComparisonServerSmokeTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    public static TheoryData<string, string> Servers => new()
    {
        { "KestrelReferenceServer", "" },
        { "KestrelReferenceServer", "--sample-transport" },
        { "RawEchoServer", "" },
        { "RawEchoServer", "--sample-transport" },
        { "RawEchoServer", "--sockets" },
    };

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task The_server_echoes_small_and_large_messages_byte_for_byte(string server, string mode)
    {
        string directory = Path.Combine(ChildProcess.RepositoryRoot, "benchmarks", server, "bin", "Release", "net10.0");
        string assembly = Path.Combine(directory, server + ".dll");
        Assert.True(File.Exists(assembly), $"{assembly} is not built: run eng/test.sh, which builds the solution in Release.");
        string[] arguments = [assembly, .. mode.Split(' ', StringSplitOptions.RemoveEmptyEntries), "--port", "0"];
        await using ChildProcess process = ChildProcess.StartDotnet(directory, new Dictionary<string, string?>(), arguments);
        await EchoesAsync(process);
    }

    [Fact]
    public async Task Buns_server_echoes_small_and_large_messages_byte_for_byte_and_broadcasts_in_a_chat_room()
    {
        await using ChildProcess process = ChildProcess.StartExecutable(BunExecutable(), Path.Combine(ChildProcess.RepositoryRoot, "benchmarks", "bun", "bun-server.js"), "--port", "0");
        Uri address = await EchoesAsync(process, stop: false);
        try
        {
            BroadcastResult broadcast = await BroadcastScenario.RunAsync(new BroadcastOptions
            {
                Url = new Uri($"ws://127.0.0.1:{address.Port}/chat?room=smoke"),
                Members = 20,
                Messages = 50,
                Size = 32,
                Timeout = Bound,
            });
            Assert.True(broadcast.Succeeded, broadcast.Describe());
            Assert.Equal(20 * 50, broadcast.Delivered);
            Assert.Equal(0, broadcast.OutOfOrder);
        }
        finally
        {
            process.Stop();
            await process.WaitForExitAsync(Bound);
        }
    }

    /// <summary>Bun's executable, which eng/test.sh installs from npm into artifacts/bun.</summary>
    private static string BunExecutable()
    {
        string bun = Path.Combine(ChildProcess.RepositoryRoot, "artifacts", "bun", "node_modules", "@oven", "bun-linux-x64", "bin", "bun");
        Assert.True(File.Exists(bun), $"{bun} is not installed: run eng/test.sh, which installs it with benchmarks/bun/install-bun.sh.");
        return bun;
    }

    /// <summary>Echoes 16 B, 1 KiB and 64 KiB through <paramref name="process"/>'s /echo; returns its address.</summary>
    private static async Task<Uri> EchoesAsync(ChildProcess process, bool stop = true)
    {
        try
        {
            var address = new Uri(await process.WaitForLineAsync("Listening on ", Bound));
            foreach ((int size, WebSocketMessageType type) in new[] { (16, WebSocketMessageType.Binary), (1024, WebSocketMessageType.Text), (65536, WebSocketMessageType.Binary) })
            {
                EchoResult result = await EchoScenario.RunAsync(new EchoOptions
                {
                    Url = new Uri($"ws://127.0.0.1:{address.Port}/echo"),
                    Connections = 4,
                    InFlight = 4,
                    PayloadSize = size,
                    MessageType = type,
                    Warmup = TimeSpan.FromSeconds(0.1),
                    Duration = TimeSpan.FromSeconds(0.5),
                    MaxMessages = 1_000_000,
                    ServerPid = process.Id,
                    VerifyEvery = 1,
                });

                Assert.True(result.Errors.Count == 0, $"{size} B: {result.Describe()}");
                Assert.True(result.WindowMessages > 0, $"{size} B: {result.Describe()}");
                Assert.Equal(result.Verified, result.ContentChecked);
                Assert.True(result.Succeeded, $"{size} B: {result.Describe()}");
            }

            return address;
        }
        finally
        {
            if (stop)
            {
                process.Stop();
                await process.WaitForExitAsync(Bound);
            }
        }
    }
}
