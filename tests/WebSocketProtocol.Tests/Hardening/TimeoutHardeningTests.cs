using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Framing;
using WebSocketProtocol.Tests.Samples;
using Xunit;
using Xunit.Abstractions;

namespace WebSocketProtocol.Tests.Hardening;

/// <summary>
/// Peers that say too little: slowloris handshakes, a frame header that never completes, a peer that vanishes, a peer that
/// never answers a close. Each is ended by one of the server's timers, shortened here from the command line
/// (<c>--handshake-timeout 3 --keepalive 1 --keepalive-timeout 2 --close-timeout 2</c>) so the test takes seconds.
/// </summary>
[Collection(SampleCollection.Name)]
public sealed class TimeoutHardeningTests : IClassFixture<TimeoutHardeningTests.ServerWithShortTimers>
{
    private readonly HardenedServer _server;
    private readonly ITestOutputHelper _output;

    public TimeoutHardeningTests(ServerWithShortTimers fixture, ITestOutputHelper output)
    {
        _server = fixture.Server;
        _output = output;
    }

    [Fact]
    public async Task Two_hundred_slowloris_connections_get_408_at_the_handshake_timeout_while_a_normal_client_is_served()
    {
        await _server.WithstandsAsync(async () =>
        {
            int descriptorsBefore = _server.OpenDescriptors();
            var peers = new List<HostilePeer>();
            try
            {
                for (int i = 0; i < 200; i++)
                {
                    peers.Add(await HostilePeer.ConnectAsync(_server.Port));
                }

                Task<HttpResponseHead>[] refusals = peers.Select(peer => peer.ReadRefusalAsync()).ToArray();

                // Half send a valid request a byte a second, which a timer reset by each read would never end; the other
                // half send nothing at all. The deadline covers the whole head, so both get 408 after 3 s.
                using var stop = new CancellationTokenSource();
                byte[] request = HostilePeer.UpgradeRequest("/echo", _server.Port, HostilePeer.NewKey());
                Task trickle = TrickleAsync(peers.Take(100).ToArray(), request, stop.Token);
                var clock = Stopwatch.StartNew();
                await _server.AssertStillServesAsync();
                _output.WriteLine($"a normal client was served {clock.Elapsed.TotalSeconds:0.0} s into the attack");

                HttpResponseHead[] responses = await Task.WhenAll(refusals);
                _output.WriteLine($"all 200 refused {clock.Elapsed.TotalSeconds:0.0} s into the attack");
                await stop.CancelAsync();
                await trickle;
                Assert.All(responses, response => Assert.Equal(408, response.Status));
            }
            finally
            {
                peers.ForEach(peer => peer.Dispose());
            }

            // Every refused connection was let go.
            await _server.WaitForDescriptorsAtMostAsync(descriptorsBefore + 16);
        }, _output);
    }

    [Fact]
    public async Task A_frame_header_that_never_completes_fails_with_1011_when_the_keepalive_ping_goes_unanswered()
    {
        await _server.WithstandsAsync(async () =>
        {
            var (peer, _) = await HostilePeer.UpgradeAsync(_server.Port, "/echo");
            using (peer)
            {
                // 5 of the 14 bytes of a masked header with a 64-bit length: the server can only wait. A peer stuck
                // inside a frame cannot answer a ping either, so keepalive ends it.
                await peer.SendAsync(new byte[] { 0x82, 0xFF, 0x00, 0x00, 0x00 });
                var skipped = new List<ServerFrame>();
                await peer.ExpectCloseAsync(1011, skipped);
                Assert.Contains(skipped, frame => frame.Opcode == Opcode.Ping);
            }
        }, _output);
    }

    [Fact]
    public async Task A_chat_member_that_vanishes_without_a_FIN_is_closed_with_1011_by_keepalive_and_leaves_the_room()
    {
        // Loopback cannot drop packets without privileges, so "vanished" is approximated by a peer that keeps its TCP
        // connection open but never answers and never sends again: to the server the two are indistinguishable, since
        // only a pong would prove the peer alive.
        await _server.WithstandsAsync(async () =>
        {
            var (witness, _, _) = await ChatTestClient.JoinAsync(_server.Process.ChatUri("vanishing"), "witness");
            using (witness)
            {
                var (ghost, _) = await HostilePeer.UpgradeAsync(_server.Port, "/chat?room=vanishing");
                using (ghost)
                {
                    await ghost.SendAsync(HostilePeer.Frame(Opcode.Text, """{"type":"join","name":"ghost"}"""u8));
                    Assert.Equal("ghost", (await witness.ExpectAsync("presence")).GetProperty("name").GetString());

                    // The witness keeps receiving (and so answers its own pings) until the ghost is gone.
                    JsonElement left = await witness.ExpectAsync("presence");
                    Assert.Equal(("leave", "ghost"), (left.GetProperty("event").GetString(), left.GetProperty("name").GetString()));

                    var skipped = new List<ServerFrame>();
                    await ghost.ExpectCloseAsync(1011, skipped);
                    Assert.Contains(skipped, frame => frame.Opcode == Opcode.Ping);
                    Assert.Contains(skipped, frame => frame.Opcode == Opcode.Text && frame.Text.Contains("\"joined\"", StringComparison.Ordinal));
                }
            }
        }, _output);
    }

    [Fact]
    public async Task An_echo_peer_that_sends_but_never_reads_is_failed_by_keepalive_and_dropped()
    {
        await _server.WithstandsAsync(async () =>
        {
            using HostilePeer peer = await HostilePeer.ConnectAsync(_server.Port, receiveBufferSize: 4096);
            await peer.UpgradeAsync("/echo");

            // The echoes cannot go out, so the server's echo send waits, it stops reading, and TCP pushes back on the
            // peer; its keepalive ping cannot go out either. Keepalive fails the connection (1011, which cannot be
            // delivered into a full transport), the close timeout gives up on the close, and the connection is dropped.
            byte[] message = HostilePeer.Frame(Opcode.Binary, new byte[64 * 1024]);
            var clock = Stopwatch.StartNew();
            int sent = 0;
            while (await peer.TrySendAsync(message))
            {
                Assert.True(++sent < 4096, "The server read 256 MiB without its echoes being read.");
            }

            _output.WriteLine($"dropped {clock.Elapsed.TotalSeconds:0.0} s after {sent} messages of 64 KiB");
            // What was already on its way may still be read, then the end; a close, if one got through, says 1011.
            List<ServerFrame> frames = await peer.ReadUntilEndAsync();
            _output.WriteLine($"then {frames.Count} frames before the end of the connection");
            Assert.All(frames.SkipLast(1), frame => Assert.NotEqual(Opcode.Close, frame.Opcode));
            if (frames.Count > 0 && frames[^1].Opcode == Opcode.Close)
            {
                Assert.Equal(1011, frames[^1].CloseCode);
            }
        }, _output);
    }

    [Fact]
    public async Task A_peer_that_never_answers_the_servers_close_is_dropped_at_the_close_timeout()
    {
        await _server.WithstandsAsync(async () =>
        {
            var (peer, _) = await HostilePeer.UpgradeAsync(_server.Port, "/chat?room=unanswered");
            using (peer)
            {
                // The chat speaks text only: a binary message makes the server start the closing handshake with 1003.
                await peer.SendAsync(HostilePeer.Frame(Opcode.Binary, new byte[] { 1, 2, 3 }));
                ServerFrame close = await peer.ReadUntilCloseAsync();
                Assert.Equal(1003, close.CloseCode);

                // No close frame goes back; the server stops waiting for one and closes the TCP connection itself.
                var clock = Stopwatch.StartNew();
                await peer.ExpectEndAsync();
                _output.WriteLine($"dropped {clock.Elapsed.TotalSeconds:0.0} s after its close frame (close timeout 2 s)");
            }
        }, _output);
    }

    /// <summary>Sends the next byte of <paramref name="request"/> to every peer once a second until stopped or refused.</summary>
    private static async Task TrickleAsync(HostilePeer[] peers, byte[] request, CancellationToken stop)
    {
        var open = new HashSet<HostilePeer>(peers);
        for (int next = 0; next < request.Length && open.Count > 0 && !stop.IsCancellationRequested; next++)
        {
            foreach (HostilePeer peer in open.ToArray())
            {
                if (!await peer.TrySendAsync(request.AsMemory(next, 1)))
                {
                    open.Remove(peer);
                }
            }

            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>The sample with its timers cut to seconds.</summary>
    public sealed class ServerWithShortTimers : HardenedServerFixture
    {
        public ServerWithShortTimers()
            : base("--handshake-timeout", "3", "--keepalive", "1", "--keepalive-timeout", "2", "--close-timeout", "2")
        {
        }
    }
}
