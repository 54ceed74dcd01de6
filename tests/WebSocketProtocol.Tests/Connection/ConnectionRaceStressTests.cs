using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using WebSocketProtocol.Tests.Interop;
using Xunit;
using Xunit.Abstractions;

namespace WebSocketProtocol.Tests.Connection;

/// <summary>
/// Dispose, Abort and CloseAsync called from another thread, at random moments, while the connection receives and sends
/// on threads of their own: thousands of times, over pipes and over a loopback socket, with buffers from pools that
/// poison what comes back (<see cref="RaceIteration"/>). A buffer used after its return, returned twice or never, an
/// exception the connection does not document, a message that arrives damaged, or anything that hangs fails the test.
/// </summary>
/// <remarks>
/// Bounded in count and in time: each run stops after <see cref="MaxIterations"/> iterations or <see cref="Budget"/>,
/// whichever comes first, and reports how many it ran. It runs alone (the interop collection), so that the noisy
/// machine's two cores go to the races rather than to other tests.
/// </remarks>
[Collection(InteropCollection.Name)]
public sealed class ConnectionRaceStressTests
{
    private const int MaxIterations = 10_000;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(30);

    private readonly ITestOutputHelper _output;

    public ConnectionRaceStressTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public Task Dispose_abort_and_close_racing_receives_and_sends_over_pipes_misuse_no_buffer_and_throw_only_documented_exceptions() =>
        RunAsync(listener: null);

    [Fact]
    public async Task Dispose_abort_and_close_racing_receives_and_sends_over_a_loopback_socket_misuse_no_buffer_and_throw_only_documented_exceptions()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            await RunAsync(listener);
        }
        finally
        {
            listener.Stop();
        }
    }

    private async Task RunAsync(TcpListener? listener)
    {
        int seed = Environment.TickCount;
        var random = new Random(seed);
        var clock = Stopwatch.StartNew();
        var endings = new Dictionary<string, int>();
        int iterations = 0;
        while (iterations < MaxIterations && clock.Elapsed < Budget)
        {
            RaceIteration iteration = await RaceIteration.RunAsync(random, listener);
            iterations++;
            if (iteration.Failures.Count > 0)
            {
                Assert.Fail($"Iteration {iterations} (seed {seed}): {iteration.Scenario}.\n" + string.Join("\n", iteration.Failures));
            }

            string ending = $"{iteration.Disruption}: the target's receive loop ended with {iteration.TargetReceiveEnd}";
            endings[ending] = endings.GetValueOrDefault(ending) + 1;
        }

        _output.WriteLine($"{iterations} iterations in {clock.Elapsed.TotalSeconds:0.0} s (seed {seed})");
        foreach (KeyValuePair<string, int> ending in endings.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            _output.WriteLine($"  {ending.Value,5} x {ending.Key}");
        }

        // Every kind of disruption was tried.
        Assert.All(Enum.GetValues<Disruption>(), disruption => Assert.Contains(endings.Keys, key => key.StartsWith(disruption + ":", StringComparison.Ordinal)));
    }
}
