using System.Net.WebSockets;
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Benchmarks;
using WebSocketProtocol.Connection;

namespace WebSocketProtocol.LoadTool;

/// <summary>
/// The echo scenario: <see cref="EchoOptions.Connections"/> connections each keeping <see cref="EchoOptions.InFlight"/>
/// messages in flight, a warmup, then a measured window; bounded by time and by <see cref="EchoOptions.MaxMessages"/>,
/// and stopping by itself. The server's CPU time is read from <c>/proc</c> at the window's start and end.
/// </summary>
public static class EchoScenario
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>The payload sent: random bytes for binary, a JSON document of exactly the size for text.</summary>
    public static byte[] CreatePayload(int size, WebSocketMessageType type)
    {
        if (type == WebSocketMessageType.Text)
        {
            return size == 1 ? "0"u8.ToArray() : SamplePayloads.JsonDocuments(1, size)[0];
        }

        byte[] payload = new byte[size];
        new Random(42).NextBytes(payload);
        return payload;
    }

    /// <summary>Runs the scenario and returns what it measured; progress lines go to <paramref name="log"/>.</summary>
    public static async Task<EchoResult> RunAsync(EchoOptions options, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        log ??= _ => { };
        var frames = new EchoFrames(CreatePayload(options.PayloadSize, options.MessageType), options.MessageType, options.InFlight);
        var run = new EchoRunState(options.MaxMessages);
        var errors = new List<string>();
        EchoClientConnection[] connections = await ConnectAllAsync(options, frames, run, errors).ConfigureAwait(false);
        try
        {
            if (errors.Count > 0)
            {
                return new EchoResult { Options = options, Latency = new LatencyHistogram(), Errors = errors };
            }

            log($"{connections.Length} connections open; warming up for {options.Warmup.TotalSeconds} s");
            foreach (EchoClientConnection connection in connections)
            {
                connection.Start();
            }

            await WaitAsync(options.Warmup, run, connections).ConfigureAwait(false);
            (long startTime, long startCount, TimeSpan? startServer, TimeSpan startClient) = Snapshot(options, connections);
            run.StartWindow(startTime);
            await WaitAsync(options.Duration, run, connections).ConfigureAwait(false);
            (long endTime, long endCount, TimeSpan? endServer, TimeSpan endClient) = Snapshot(options, connections);
            run.EndWindow(endTime);
            run.Stop();
            await Task.WhenAll(connections.Select(c => c.DrainAndCloseAsync(DrainTimeout))).ConfigureAwait(false);

            var latency = new LatencyHistogram();
            foreach (EchoClientConnection connection in connections)
            {
                latency.Add(connection.Latency);
                if (connection.Error is string error)
                {
                    errors.Add(error);
                }
            }

            if (run.BudgetSpent)
            {
                log($"the message budget ({options.MaxMessages:N0}) ran out before the window ended");
            }

            return new EchoResult
            {
                Options = options,
                Window = Stopwatch.GetElapsedTime(startTime, endTime),
                WindowMessages = endCount - startCount,
                Verified = connections.Sum(c => c.Completed),
                ContentChecked = connections.Sum(c => c.ContentChecked),
                Latency = latency,
                ServerCpu = endServer - startServer,
                ClientCpu = endClient - startClient,
                Errors = errors,
            };
        }
        finally
        {
            foreach (EchoClientConnection connection in connections)
            {
                connection.Dispose();
            }
        }
    }

    private static async Task<EchoClientConnection[]> ConnectAllAsync(EchoOptions options, EchoFrames frames, EchoRunState run, List<string> errors)
    {
        using var deadline = new CancellationTokenSource(ConnectTimeout);
        using var gate = new SemaphoreSlim(32);
        var sockets = new Socket?[options.Connections];
        await Task.WhenAll(Enumerable.Range(0, options.Connections).Select(async i =>
        {
            await gate.WaitAsync(deadline.Token).ConfigureAwait(false);
            try
            {
                sockets[i] = await RawHandshake.ConnectAsync(options.Url, deadline.Token).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is SocketException or InvalidOperationException or OperationCanceledException)
            {
                lock (errors)
                {
                    errors.Add($"connection {i}: {exception.Message}");
                }
            }
            finally
            {
                gate.Release();
            }
        })).ConfigureAwait(false);
        return sockets.Where(s => s is not null).Select(s => new EchoClientConnection(s!, frames, run, options.VerifyEvery)).ToArray();
    }

    /// <summary>
    /// How long to sleep before looking at the run again, once <paramref name="elapsed"/> of <paramref name="duration"/>
    /// has passed; null when the time is up. The clock is read once per look, so the wait is never negative (a second
    /// read, later than the check, once made it so on a busy machine, and <see cref="Task.Delay(TimeSpan)"/> threw).
    /// </summary>
    public static TimeSpan? NextPoll(TimeSpan duration, TimeSpan elapsed)
    {
        TimeSpan left = duration - elapsed;
        return left <= TimeSpan.Zero ? null : left < PollInterval ? left : PollInterval;
    }

    private static async Task WaitAsync(TimeSpan duration, EchoRunState run, EchoClientConnection[] connections)
    {
        long start = Stopwatch.GetTimestamp();
        while (run.Sending && connections.All(c => c.Error is null) && NextPoll(duration, Stopwatch.GetElapsedTime(start)) is TimeSpan wait)
        {
            await Task.Delay(wait).ConfigureAwait(false);
        }
    }

    private static (long Time, long Completed, TimeSpan? Server, TimeSpan Client) Snapshot(EchoOptions options, EchoClientConnection[] connections)
    {
        long time = Stopwatch.GetTimestamp();
        long completed = connections.Sum(c => c.Completed);
        TimeSpan? server = options.ServerPid is int pid ? ProcessCpu.Read(pid) : null;
        using Process self = Process.GetCurrentProcess();
        return (time, completed, server, self.TotalProcessorTime);
    }
}
