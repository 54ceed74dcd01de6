using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace WebSocketProtocol.LoadTool;

/// <summary>
/// Idle connections: opens <see cref="EchoOptions.Connections"/> WebSocket connections (at most 64 handshakes at a time),
/// holds them open without traffic for <see cref="EchoOptions.Duration"/>, and reports handshakes a second and, with a
/// server PID, the growth of the server's resident set per connection. Then closes them all.
/// </summary>
public static class IdleScenario
{
    private const int ParallelHandshakes = 64;
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(15);

    /// <summary>Runs the scenario; <paramref name="log"/> gets progress lines. Returns the RESULT line's fields.</summary>
    public static async Task<(bool Succeeded, string Result)> RunAsync(EchoOptions options, Action<string> log)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        long? before = options.ServerPid is int pid ? ProcessMemory.ResidentBytes(pid) : null;
        var sockets = new Socket[options.Connections];
        int failures = 0;
        string? firstError = null;
        var clock = Stopwatch.StartNew();
        using (var gate = new SemaphoreSlim(ParallelHandshakes))
        {
            var handshakes = new List<Task>(options.Connections);
            for (int i = 0; i < options.Connections; i++)
            {
                int index = i;
                await gate.WaitAsync().ConfigureAwait(false);
                handshakes.Add(Task.Run(async () =>
                {
                    try
                    {
                        using var timeout = new CancellationTokenSource(HandshakeTimeout);
                        sockets[index] = await RawHandshake.ConnectAsync(options.Url, timeout.Token).ConfigureAwait(false);
                    }
                    catch (Exception exception) when (exception is SocketException or InvalidOperationException or OperationCanceledException)
                    {
                        if (Interlocked.Increment(ref failures) == 1)
                        {
                            firstError = exception.Message;
                        }
                    }
                    finally
                    {
                        gate.Release();
                    }
                }));
            }

            await Task.WhenAll(handshakes).ConfigureAwait(false);
        }

        double seconds = clock.Elapsed.TotalSeconds;
        int open = options.Connections - failures;
        log($"{open} connections open in {seconds:F2} s; holding them idle for {options.Duration.TotalSeconds:F0} s");
        await Task.Delay(options.Duration).ConfigureAwait(false);
        long? after = options.ServerPid is int serverPid ? ProcessMemory.ResidentBytes(serverPid) : null;

        // Still open: a server that dropped idle connections would have them readable at end of stream.
        int dropped = 0;
        foreach (Socket? socket in sockets)
        {
            if (socket is not null && socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0)
            {
                dropped++;
            }
        }

        foreach (Socket? socket in sockets)
        {
            socket?.Dispose();
        }

        string perConnection = before is long b && after is long a && open > 0
            ? ((a - b) / (double)open / 1024).ToString("F2", CultureInfo.InvariantCulture)
            : "n/a";
        string result =
            $"RESULT connections={open.ToString(CultureInfo.InvariantCulture)} failures={failures.ToString(CultureInfo.InvariantCulture)} " +
            $"dropped={dropped.ToString(CultureInfo.InvariantCulture)} handshakes_per_s={(open / seconds).ToString("F0", CultureInfo.InvariantCulture)} " +
            $"server_rss_kib_per_connection={perConnection}";
        if (firstError is not null)
        {
            log("first handshake error: " + firstError);
        }

        return (failures == 0 && dropped == 0 && open > 0, result);
    }
}
