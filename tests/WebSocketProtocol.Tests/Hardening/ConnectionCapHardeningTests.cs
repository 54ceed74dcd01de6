using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Tests.Samples;
using Xunit;
using Xunit.Abstractions;

namespace WebSocketProtocol.Tests.Hardening;

/// <summary>
/// More connections than the server has file descriptors for. Kestrel's own accept loop retried a failed accept at once
/// (out of descriptors, the connection stays queued, so it failed again at once): a core spun, memory grew, and the
/// process died with "Out of memory." within seconds. The server now holds at most its connection cap (derived from
/// the descriptor limit unless given), resets the connections past it as they are accepted, and backs off when accept
/// fails anyway; the connections it holds are served throughout.
/// </summary>
[Collection(SampleCollection.Name)]
public sealed class ConnectionCapHardeningTests
{
    // Low enough that a test can reach it in a moment, high enough for the runtime's own descriptors.
    private const int DescriptorLimit = 400;

    // The descriptors the server keeps back for the runtime (CappedSocketTransportFactory.ReserveSize).
    private const int CappedSocketReserve = 32;

    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly ITestOutputHelper _output;

    public ConnectionCapHardeningTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task Past_its_default_cap_the_server_resets_new_connections_keeps_chatting_and_accepts_again_once_some_close()
    {
        await using HardenedServer server = await HardenedServer.StartAsync(DescriptorLimit);
        int cap = await ReadCapAsync(server, expectedLimit: DescriptorLimit);
        Assert.Equal(DescriptorLimit - 256, cap);

        var held = new List<HostilePeer>();
        int descriptorsBefore = server.OpenDescriptors();
        try
        {
            await server.WithstandsAsync(async () =>
            {
                var (member, _, _) = await ChatTestClient.JoinAsync(server.Process.ChatUri("cap"), "member");
                using (member)
                {
                    // Twice the cap: the first ones are held (a connection waiting for its handshake counts), the rest reset,
                    // some so soon that the connect itself reports it.
                    int resetWhileConnecting = 0;
                    for (int i = 0; i < cap * 2; i++)
                    {
                        try
                        {
                            held.Add(await HostilePeer.ConnectAsync(server.Port));
                        }
                        catch (SocketException exception) when (exception.SocketErrorCode == SocketError.ConnectionReset)
                        {
                            resetWhileConnecting++;
                        }
                    }

                    await server.Process.Process.WaitForLineAsync("Connection cap reached", Bound);
                    int reset = resetWhileConnecting + await CountEndedAsync(held, atLeast: cap - resetWhileConnecting);
                    _output.WriteLine($"{cap * 2} connections opened, {reset} reset at once (cap {cap})");
                    Assert.InRange(reset, cap, cap * 2);

                    // The member already in a room is served all along.
                    await member.SayAsync("still chatting at the cap");
                    Assert.Equal("still chatting at the cap", (await member.ExpectAsync("message")).GetProperty("text").GetString());
                    Assert.InRange(server.OpenDescriptors(), 0, DescriptorLimit - 1);

                    // Some hang up: their places go to new connections.
                    foreach (HostilePeer peer in held)
                    {
                        peer.Dispose();
                    }

                    held.Clear();
                    await member.SayAsync("after the flood");
                    Assert.Equal("after the flood", (await member.ExpectAsync("message")).GetProperty("text").GetString());

                    // Once the server has seen them go, new connections are accepted again.
                    await server.WaitForDescriptorsAtMostAsync(descriptorsBefore + 16);
                    await JoinOnceAcceptedAsync(server);
                }
            }, _output);
        }
        finally
        {
            foreach (HostilePeer peer in held)
            {
                peer.Dispose();
            }
        }
    }

    [Fact]
    public async Task An_accept_that_fails_for_want_of_descriptors_lowers_the_cap_backs_off_instead_of_spinning_and_recovers()
    {
        // A cap the descriptors cannot honour, so that accept itself fails (EMFILE), as on a machine short of them. At its
        // limit the process could open nothing, and the runtime gave up ("Out of memory.") when it next needed a file:
        // the server gives back a reserve of descriptors and holds at what it has.
        await using HardenedServer server = await HardenedServer.StartAsync(DescriptorLimit, "--max-connections", "5000");
        await ReadCapAsync(server, expectedLimit: DescriptorLimit);
        int descriptorsBefore = server.OpenDescriptors();
        var held = new List<HostilePeer>();
        try
        {
            await server.WithstandsAsync(async () =>
            {
                var (member, _, _) = await ChatTestClient.JoinAsync(server.Process.ChatUri("emfile"), "member");
                using (member)
                {
                    int reset = 0;
                    for (int i = 0; i < DescriptorLimit + 100; i++)
                    {
                        try
                        {
                            held.Add(await HostilePeer.ConnectAsync(server.Port));
                        }
                        catch (SocketException exception) when (exception.SocketErrorCode == SocketError.ConnectionReset)
                        {
                            reset++;
                        }
                    }

                    string failed = await server.Process.Process.WaitForLineAsync(new Regex(@"^Accept failed \(TooManyOpenSockets"), Bound);
                    _output.WriteLine($"{failed} ({reset} connections reset while connecting)");
                    int lowered = int.Parse(Regex.Match(failed, @"the connection cap is now (\d+)").Groups[1].Value, CultureInfo.InvariantCulture);
                    Assert.InRange(lowered, 1, DescriptorLimit - CappedSocketReserve);

                    // Out of descriptors for a while, with the garbage collector and the thread pool at work: the member chats.
                    for (int i = 0; i < 12; i++)
                    {
                        await member.SayAsync($"still chatting without descriptors {i}");
                        Assert.Equal($"still chatting without descriptors {i}", (await member.ExpectAsync("message")).GetProperty("text").GetString());
                        GC.KeepAlive(new byte[1024 * 1024]);
                        await Task.Delay(250);
                    }

                    foreach (HostilePeer peer in held)
                    {
                        peer.Dispose();
                    }

                    held.Clear();

                    // Once descriptors are free, accepting goes on. Spinning would have failed tens of thousands of times.
                    string line = await server.Process.Process.WaitForLineAsync(new Regex(@"^Accepting again after \d+ failed accept"), Bound);
                    long failures = long.Parse(Regex.Match(line, @"after (\d+)").Groups[1].Value, CultureInfo.InvariantCulture);
                    _output.WriteLine(line);
                    Assert.InRange(failures, 1, 200);
                    await server.WaitForDescriptorsAtMostAsync(descriptorsBefore + 16);
                    await JoinOnceAcceptedAsync(server);
                }
            }, _output);
        }
        finally
        {
            foreach (HostilePeer peer in held)
            {
                peer.Dispose();
            }
        }
    }

    [Fact]
    public async Task The_server_raises_its_soft_descriptor_limit_to_the_hard_one_and_derives_its_cap_from_that()
    {
        await using (ChatServerProcess server = await ChatServerProcess.StartAsync((300, 1000)))
        {
            // A tenth of the hard limit (at least 256) is kept for other descriptors.
            Assert.Equal((744, 1000), ReadCap(server));
        }

        await using (ChatServerProcess server = await ChatServerProcess.StartAsync((300, 1000), "--max-connections", "123"))
        {
            Assert.Equal((123, 1000), ReadCap(server));
        }
    }

    /// <summary>
    /// Joins a room as soon as the server accepts connections again: it gives a place back once it has closed a socket,
    /// a moment after the descriptor is gone, so the first tries may still be reset.
    /// </summary>
    private static async Task JoinOnceAcceptedAsync(HardenedServer server)
    {
        using var deadline = new CancellationTokenSource(Bound);
        while (true)
        {
            try
            {
                var (member, _, _) = await ChatTestClient.JoinAsync(server.Process.ChatUri("cap"), "newcomer");
                member.Dispose();
                return;
            }
            catch (SocketException exception) when (exception.SocketErrorCode == SocketError.ConnectionReset && !deadline.IsCancellationRequested)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>The cap the server printed when it started, checking the descriptor limit it printed with it.</summary>
    private static Task<int> ReadCapAsync(HardenedServer server, int expectedLimit)
    {
        (int cap, int limit) = ReadCap(server.Process);
        Assert.Equal(expectedLimit, limit);
        return Task.FromResult(cap);
    }

    private static (int Cap, int DescriptorLimit) ReadCap(ChatServerProcess server)
    {
        string line = server.Process.Output.FirstOrDefault(l => l.StartsWith("Connections: ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException("The server did not print its connection cap.");
        Match match = Regex.Match(line, @"^Connections: at most (\d+) at once \(descriptor limit (\d+)\)");
        Assert.True(match.Success, line);
        return (int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture));
    }

    /// <summary>How many of <paramref name="peers"/> the server has ended, waiting (within the bound) until at least <paramref name="atLeast"/> have.</summary>
    private static async Task<int> CountEndedAsync(List<HostilePeer> peers, int atLeast)
    {
        using var deadline = new CancellationTokenSource(Bound);
        while (true)
        {
            int ended = peers.Count(peer => peer.HasEnded());
            if (ended >= atLeast || deadline.IsCancellationRequested)
            {
                return ended;
            }

            await Task.Delay(100);
        }
    }
}
