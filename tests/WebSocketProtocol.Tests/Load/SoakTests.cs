using System;
using System.Globalization;
using System.Threading.Tasks;
using WebSocketProtocol.LoadTool;
using WebSocketProtocol.Tests.Samples;
using Xunit;
using Xunit.Abstractions;

namespace WebSocketProtocol.Tests.Load;

/// <summary>
/// A minute of mixed load against the sample server (benchmarks/LoadTool's soak): echo connections checking every
/// message byte for byte and ending cleanly, abruptly or mid-frame; chat members that stay and must receive every other
/// staying member's numbered, checksummed messages exactly once and in order; chat members coming and going. The server's
/// resident set must stay flat and its descriptors come back to where they were. No timing is asserted.
/// </summary>
public sealed class SoakTests
{
    private readonly ITestOutputHelper _output;

    public SoakTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task A_minute_of_mixed_load_loses_duplicates_or_corrupts_nothing_and_leaves_memory_and_descriptors_flat()
    {
        await using ChatServerProcess server = await ChatServerProcess.StartAsync("--rate", "1000", "--join-rate", "1000");
        var options = new SoakOptions
        {
            Url = new Uri($"ws://127.0.0.1:{server.Port.ToString(CultureInfo.InvariantCulture)}"),
            Duration = TimeSpan.FromSeconds(60),
            ServerPid = server.Process.Id,
        };

        SoakResult result = await SoakScenario.RunAsync(options, _output.WriteLine);
        _output.WriteLine(result.Describe());
        _output.WriteLine(result.ResultLine());

        Assert.True(result.Counters.Errors.Count == 0, result.Describe());
        Assert.True(result.Counters.EchoSent > 0 && result.Counters.EchoVerified == result.Counters.EchoSent, result.Describe());
        Assert.True(result.Counters.ChatDelivered > 0 && result.Counters.ChatMissing == 0 && result.Counters.ChatDuplicated == 0 && result.Counters.ChatCorrupted == 0, result.Describe());
        Assert.True(result.Counters.AbruptDrops > 0 && result.Counters.MidFrameDrops > 0 && result.Counters.ChurnSessions > 0, result.Describe());
        Assert.True(result.MemoryTrend is not null && result.MemoryFlat, result.Describe());
        Assert.True(result.EndDescriptors is not null && result.DescriptorsFlat, result.Describe());
        Assert.True(result.Succeeded);
    }
}
