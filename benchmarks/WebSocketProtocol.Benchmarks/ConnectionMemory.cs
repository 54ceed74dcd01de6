using System.Net.WebSockets;
using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.IO.Pipelines;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Connection;
using WebSocketProtocol.Extensions.Deflate;

namespace WebSocketProtocol.Benchmarks;

/// <summary>
/// Memory held per open connection after each side has sent and received one compressed message, so every piece of
/// compression state that stays is in place: many connection pairs are opened over in-memory pipes and the growth of the
/// managed heap and of the resident set (which includes zlib's native state) is divided by the number of connections.
/// Run with <c>-- memory</c>; each configuration runs in its own process so one cannot inherit another's pools.
/// </summary>
internal static class ConnectionMemory
{
    private const int Pairs = 1000;

    /// <summary>The stacks and compression settings measured, each in its own process: <c>memory CONFIGURATION</c>.</summary>
    public static readonly string[] Configurations = ["ours-off", "ours-takeover", "ours-no-takeover", "managed-off", "managed-takeover", "managed-no-takeover"];

    /// <summary>Measures <paramref name="configuration"/> in this process, or without one, each in a process of its own.</summary>
    public static async Task<int> RunAsync(string? configuration)
    {
        if (configuration is not null)
        {
            await MeasureAsync(configuration).ConfigureAwait(false);
            return 0;
        }

        Console.WriteLine($"| Stack | permessage-deflate | managed heap per connection | resident set per connection |");
        Console.WriteLine($"|---|---|---:|---:|");
        foreach (string each in Configurations)
        {
            // Under the dotnet host the assembly is the first argument; under the app host it is implied.
            string host = Environment.ProcessPath!;
            bool dotnetHost = Path.GetFileNameWithoutExtension(host) == "dotnet";
            string arguments = (dotnetHost ? $"\"{typeof(ConnectionMemory).Assembly.Location}\" " : string.Empty) + "memory " + each;
            using Process process = Process.Start(new ProcessStartInfo(host, arguments) { RedirectStandardOutput = true })!;
            Console.WriteLine((await process.StandardOutput.ReadToEndAsync().ConfigureAwait(false)).TrimEnd());
            await process.WaitForExitAsync().ConfigureAwait(false);
        }

        return 0;
    }

    private static async Task MeasureAsync(string configuration)
    {
        byte[] message = Encoding.UTF8.GetBytes(string.Concat(SamplePayloads.ChatLines(16).Select(line => Encoding.UTF8.GetString(line))));
        var buffer = new byte[64 * 1024];
        var keep = new IDisposable[2 * Pairs];

        // One pair first, so code, pools and static tables are in place before the baseline.
        IDisposable[] warm = await OpenPairAsync(configuration, message, buffer).ConfigureAwait(false);
        (long heapBefore, long rssBefore) = Snapshot();
        for (int i = 0; i < Pairs; i++)
        {
            IDisposable[] pair = await OpenPairAsync(configuration, message, buffer).ConfigureAwait(false);
            keep[2 * i] = pair[0];
            keep[(2 * i) + 1] = pair[1];
        }

        (long heapAfter, long rssAfter) = Snapshot();
        string[] parts = configuration.Split('-', 2);
        Console.WriteLine($"| {(parts[0] == "ours" ? "ours" : "ManagedWebSocket")} | {parts[1]} | {(heapAfter - heapBefore) / (2.0 * Pairs) / 1024:F1} KiB | {(rssAfter - rssBefore) / (2.0 * Pairs) / 1024:F1} KiB |");
        GC.KeepAlive(keep);
        GC.KeepAlive(warm);
    }

    private static (long Heap, long Rss) Snapshot()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        long heap = GC.GetTotalMemory(forceFullCollection: true);
        using Process self = Process.GetCurrentProcess();
        return (heap, self.WorkingSet64);
    }

    private static async Task<IDisposable[]> OpenPairAsync(string configuration, byte[] message, byte[] buffer)
    {
        var toServer = new Pipe(new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false));
        var toClient = new Pipe(new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false));
        bool deflate = !configuration.EndsWith("-off", StringComparison.Ordinal);
        bool takeover = !configuration.EndsWith("no-takeover", StringComparison.Ordinal);
        if (configuration.StartsWith("ours", StringComparison.Ordinal))
        {
            var policy = new PerMessageDeflateOptions { CompressionThreshold = 0, ServerNoContextTakeover = !takeover, ClientNoContextTakeover = !takeover };
            var (_, _, serverDeflate, clientDeflate) = CompressedEchoBenchmarks.AgreeDeflate(policy);
            var server = new WebSocketConnection(toServer.Reader, toClient.Writer, new WebSocketConnectionOptions(WebSocketRole.Server) { KeepAliveInterval = Timeout.InfiniteTimeSpan }, extensions: deflate ? new[] { serverDeflate } : null);
            var client = new WebSocketConnection(toClient.Reader, toServer.Writer, WebSocketConnectionOptions.ForClient(), extensions: deflate ? new[] { clientDeflate } : null);
            await client.SendAsync(message, WebSocketMessageType.Text).ConfigureAwait(false);
            int received = await MessageReceive.OursAsync(server, buffer).ConfigureAwait(false);
            await server.SendAsync(buffer.AsMemory(0, received), WebSocketMessageType.Text).ConfigureAwait(false);
            await MessageReceive.OursAsync(client, buffer).ConfigureAwait(false);
            return new IDisposable[] { server, client };
        }

        var options = deflate ? new System.Net.WebSockets.WebSocketDeflateOptions { ClientContextTakeover = takeover, ServerContextTakeover = takeover } : null;
        var managedServer = System.Net.WebSockets.WebSocket.CreateFromStream(new DuplexPipeStream(toServer.Reader, toClient.Writer), new System.Net.WebSockets.WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero, DangerousDeflateOptions = options });
        var managedClient = System.Net.WebSockets.WebSocket.CreateFromStream(new DuplexPipeStream(toClient.Reader, toServer.Writer), new System.Net.WebSockets.WebSocketCreationOptions { IsServer = false, KeepAliveInterval = TimeSpan.Zero, DangerousDeflateOptions = options });
        await managedClient.SendAsync(message.AsMemory(), WebSocketMessageType.Text, true, CancellationToken.None).ConfigureAwait(false);
        int count = await MessageReceive.ManagedAsync(managedServer, buffer).ConfigureAwait(false);
        await managedServer.SendAsync(buffer.AsMemory(0, count), WebSocketMessageType.Text, true, CancellationToken.None).ConfigureAwait(false);
        await MessageReceive.ManagedAsync(managedClient, buffer).ConfigureAwait(false);
        return new IDisposable[] { managedServer, managedClient };
    }
}
