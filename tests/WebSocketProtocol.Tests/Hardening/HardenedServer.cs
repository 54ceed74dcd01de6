using System;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Connection;
using WebSocketProtocol.Tests.Samples;
using WebSocketProtocol.Transport;
using Xunit;
using Xunit.Abstractions;

namespace WebSocketProtocol.Tests.Hardening;

/// <summary>
/// samples/ChatServer as a process under attack, with what a hardening test asserts around each attack: the server's
/// peak resident memory (from /proc, the peak reset first), its open file descriptors, that it is still running, and that
/// a fresh, well-behaved client is still served.
/// </summary>
internal sealed class HardenedServer : IAsyncDisposable
{
    /// <summary>The default bound on how much the server's resident memory may grow during one attack.</summary>
    public const long DefaultMaxGrowth = 64L * 1024 * 1024;

    private static readonly TimeSpan AttackBound = TimeSpan.FromSeconds(120);
    private static int s_checks;

    private HardenedServer(ChatServerProcess process) => Process = process;

    public ChatServerProcess Process { get; }

    public int Port => Process.Port;

    public int ProcessId => Process.Process.Id;

    /// <summary>Starts the server on a free loopback port with <paramref name="arguments"/>.</summary>
    public static async Task<HardenedServer> StartAsync(params string[] arguments) =>
        new(await ChatServerProcess.StartAsync(arguments));

    /// <summary>Starts the server as <see cref="StartAsync(string[])"/> does, allowed <paramref name="descriptorLimit"/> open file descriptors.</summary>
    public static async Task<HardenedServer> StartAsync(int descriptorLimit, params string[] arguments) =>
        new(await ChatServerProcess.StartAsync((descriptorLimit, descriptorLimit), arguments));

    /// <summary>
    /// Runs <paramref name="attack"/> within a generous deadline, then asserts the server's resident memory never grew more
    /// than <paramref name="maxGrowth"/> above where it was before the attack, that it still runs, and that a fresh client
    /// is served (an /echo round trip and a chat join). Returns the peak growth, which goes to <paramref name="output"/> too
    /// when there is one.
    /// </summary>
    public async Task<long> WithstandsAsync(Func<Task> attack, ITestOutputHelper? output = null, long maxGrowth = DefaultMaxGrowth)
    {
        long before = ResidentBytes();
        ResetPeakResidentBytes();
        await attack().WaitAsync(AttackBound);
        long growth = PeakResidentBytes() - before;
        Assert.False(Process.Process.HasExited, "The server exited. " + Process.Process.Describe());
        Assert.True(growth < maxGrowth, $"The server's resident memory peaked {Mebibytes(growth)} above the {Mebibytes(before)} it had before the attack (bound {Mebibytes(maxGrowth)}).");
        await AssertStillServesAsync();
        output?.WriteLine($"peak resident growth {Mebibytes(growth)}");
        return growth;
    }

    /// <summary>A well-behaved client is served: an /echo round trip, then a chat join, each closed cleanly.</summary>
    public async Task AssertStillServesAsync()
    {
        using var deadline = new CancellationTokenSource(HostilePeer.Bound);
        using (WebSocketConnection echo = await WebSocketClient.ConnectAsync(Process.EchoUri(), cancellationToken: deadline.Token))
        {
            await echo.SendTextAsync("still served", deadline.Token);
            WebSocketMessage reply = await echo.ReceiveMessageAsync(deadline.Token);
            Assert.Equal("still served", Encoding.UTF8.GetString(reply.Data.Span));
            await echo.CloseAsync(CloseStatus.NormalClosure, null, deadline.Token);
            Assert.Equal(CloseStatus.NormalClosure, echo.PeerCloseStatus);
        }

        string name = "check" + Interlocked.Increment(ref s_checks).ToString(CultureInfo.InvariantCulture);
        var (member, joined, _) = await ChatTestClient.JoinAsync(Process.ChatUri("hardening"), name);
        using (member)
        {
            Assert.Contains(name, ChatTestClient.Members(joined));
            await member.Connection.CloseAsync(CloseStatus.NormalClosure, null, deadline.Token);
        }
    }

    /// <summary>VmRSS: the server's resident memory now.</summary>
    public long ResidentBytes() => ReadStatusBytes("VmRSS:");

    /// <summary>VmHWM: the server's peak resident memory since the last <see cref="ResetPeakResidentBytes"/>.</summary>
    public long PeakResidentBytes() => ReadStatusBytes("VmHWM:");

    /// <summary>Resets VmHWM to the current resident size (writing 5 to /proc/PID/clear_refs, Linux 4.0 and later).</summary>
    public void ResetPeakResidentBytes() =>
        File.WriteAllText($"/proc/{ProcessId.ToString(CultureInfo.InvariantCulture)}/clear_refs", "5");

    /// <summary>The server's open file descriptors: each connection holds a socket until the server lets it go.</summary>
    public int OpenDescriptors() => Directory.GetFileSystemEntries($"/proc/{ProcessId.ToString(CultureInfo.InvariantCulture)}/fd").Length;

    /// <summary>Waits (within <see cref="HostilePeer.Bound"/>) until the server holds at most <paramref name="limit"/> descriptors.</summary>
    public async Task WaitForDescriptorsAtMostAsync(int limit)
    {
        using var deadline = new CancellationTokenSource(HostilePeer.Bound);
        int open;
        while ((open = OpenDescriptors()) > limit)
        {
            try
            {
                await Task.Delay(100, deadline.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"The server still holds {open} file descriptors after {HostilePeer.Bound.TotalSeconds} s; expected at most {limit}.");
            }
        }
    }

    public static string Mebibytes(long bytes) => (bytes / (1024.0 * 1024)).ToString("0.0", CultureInfo.InvariantCulture) + " MiB";

    public ValueTask DisposeAsync() => Process.DisposeAsync();

    private long ReadStatusBytes(string field)
    {
        foreach (string line in File.ReadLines($"/proc/{ProcessId.ToString(CultureInfo.InvariantCulture)}/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                // "VmRSS:	   123456 kB"
                string kilobytes = line.Substring(field.Length).Trim().Split(' ')[0];
                return long.Parse(kilobytes, CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException($"/proc/{ProcessId}/status has no {field} line.");
    }
}
