using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Framing;
using WebSocketProtocol.Tests.Samples;
using Xunit;
using Xunit.Abstractions;

namespace WebSocketProtocol.Tests.Hardening;

/// <summary>
/// Attacks on the server's resources rather than its parsers: a ping flood, many threads at once, a thousand connections
/// dropped mid-frame, a room member that stops reading. Each must cost bounded memory and leave the others served.
/// </summary>
[Collection(SampleCollection.Name)]
public sealed class ResourceHardeningTests : IClassFixture<ResourceHardeningTests.BusyServer>
{
    private readonly HardenedServer _server;
    private readonly ITestOutputHelper _output;

    public ResourceHardeningTests(BusyServer fixture, ITestOutputHelper output)
    {
        _server = fixture.Server;
        _output = output;
    }

    [Fact]
    public async Task A_flood_of_ten_thousand_pings_a_second_costs_fixed_memory_and_the_latest_ping_is_answered()
    {
        await _server.WithstandsAsync(async () =>
        {
            // The flooder reads nothing while it floods, through a small receive buffer, so the server's pongs back up.
            using HostilePeer peer = await HostilePeer.ConnectAsync(_server.Port, receiveBufferSize: 4096);
            await peer.UpgradeAsync("/echo");
            const int Pings = 20_000;
            const int PerSecond = 10_000;
            var clock = Stopwatch.StartNew();
            var payload = new byte[125];
            for (int sent = 0; sent < Pings;)
            {
                int due = Math.Min(Pings, (int)(clock.Elapsed.TotalSeconds * PerSecond) + 1);
                var batch = new List<byte>();
                for (; sent < due; sent++)
                {
                    BinaryPrimitives.WriteInt32BigEndian(payload, sent);
                    batch.AddRange(HostilePeer.Frame(Opcode.Ping, payload));
                }

                await peer.SendAsync(batch.ToArray());
                await Task.Delay(10);
            }

            await peer.SendAsync(HostilePeer.Frame(Opcode.Text, "after the flood"u8));

            // Every pong answers one of the pings, in order, none twice; the most recent ping is always answered
            // (RFC 6455 section 5.5.3 allows answering only it), and the message after the flood is echoed.
            var answered = new List<int>();
            bool echoed = false;
            while (!echoed || answered.LastOrDefault(-1) != Pings - 1)
            {
                ServerFrame frame = await peer.ReadFrameAsync();
                if (frame.Opcode == Opcode.Pong)
                {
                    Assert.Equal(125, frame.Payload.Length);
                    int number = BinaryPrimitives.ReadInt32BigEndian(frame.Payload);
                    if (number <= answered.LastOrDefault(-1))
                    {
                        Assert.Fail($"Pong {number} came after pong {answered[^1]}.");
                    }

                    answered.Add(number);
                }
                else
                {
                    Assert.Equal((Opcode.Text, "after the flood"), (frame.Opcode, frame.Text));
                    echoed = true;
                }
            }

            _output.WriteLine($"{Pings} pings in {clock.Elapsed.TotalSeconds:0.0} s, {answered.Count} pongs (a ping answered while a newer one waited is superseded)");
            await peer.SendAsync(HostilePeer.CloseFrame(1000));
            await peer.ExpectCloseAsync(1000);
        }, _output);
    }

    [Fact]
    public async Task Thirty_two_threads_posting_at_once_are_all_delivered_to_every_member_in_one_order()
    {
        const int Members = 32;
        const int PerMember = 20;
        await _server.WithstandsAsync(async () =>
        {
            var peers = new HostilePeer[Members];
            try
            {
                for (int i = 0; i < Members; i++)
                {
                    (peers[i], _) = await HostilePeer.UpgradeAsync(_server.Port, "/chat?room=crowd");
                    await peers[i].SendAsync(ChatFrame(new { type = "join", name = Name(i) }));
                    while (Json(await peers[i].ReadFrameAsync()).GetProperty("type").GetString() != "joined")
                    {
                    }
                }

                Task<List<string>>[] readers = peers.Select(peer => ReadMessagesAsync(peer, Members * PerMember)).ToArray();

                // Real threads, released together, each writing its frames with blocking sends on its own socket.
                using var start = new Barrier(Members);
                Thread[] senders = Enumerable.Range(0, Members).Select(i => new Thread(() =>
                {
                    start.SignalAndWait();
                    for (int n = 0; n < PerMember; n++)
                    {
                        peers[i].Socket.Send(ChatFrame(new { type = "message", text = $"{Name(i)} #{n:D2}" }));
                    }
                })).ToArray();
                Array.ForEach(senders, thread => thread.Start());
                foreach (Thread thread in senders)
                {
                    Assert.True(thread.Join(HostilePeer.Bound), "A sending thread did not finish.");
                }

                List<string>[] seen = await Task.WhenAll(readers);
                string[] expected = Enumerable.Range(0, Members).SelectMany(i => Enumerable.Range(0, PerMember).Select(n => $"{Name(i)}: {Name(i)} #{n:D2}")).ToArray();
                Assert.Equal(expected.Order(StringComparer.Ordinal), seen[0].Order(StringComparer.Ordinal));
                for (int i = 0; i < Members; i++)
                {
                    // The room broadcasts under one lock: every member sees the same order, and each sender's own order.
                    Assert.Equal(seen[0], seen[i]);
                    List<string> own = seen[0].Where(line => line.StartsWith(Name(i) + ":", StringComparison.Ordinal)).ToList();
                    Assert.Equal(own.Order(StringComparer.Ordinal), own);
                }

                foreach (HostilePeer peer in peers)
                {
                    await peer.SendAsync(HostilePeer.CloseFrame(1000));
                    await peer.ExpectCloseAsync(1000);
                }
            }
            finally
            {
                Array.ForEach(peers, peer => peer?.Dispose());
            }
        }, _output);
    }

    [Fact]
    public async Task A_thousand_connections_dropped_mid_frame_are_all_released()
    {
        await _server.WithstandsAsync(async () =>
        {
            int descriptorsBefore = _server.OpenDescriptors();

            // A masked binary frame declaring 1000 bytes: cut inside its header or inside its payload, by FIN or by reset.
            byte[] frame = HostilePeer.Frame(Opcode.Binary, new byte[1000]);
            await Parallel.ForEachAsync(Enumerable.Range(0, 1000), new ParallelOptions { MaxDegreeOfParallelism = 50 }, async (i, _) =>
            {
                var (peer, _) = await HostilePeer.UpgradeAsync(_server.Port, "/echo");
                await peer.SendAsync(frame.AsMemory(0, i % 4 < 2 ? 5 : 500));
                if (i % 2 == 0)
                {
                    peer.Dispose();
                }
                else
                {
                    peer.Reset();
                }
            });

            await _server.WaitForDescriptorsAtMostAsync(descriptorsBefore + 16);
            _output.WriteLine($"descriptors: {descriptorsBefore} before, {_server.OpenDescriptors()} after");
        }, _output);
    }

    [Fact]
    public async Task A_member_that_stops_reading_while_the_room_broadcasts_is_cut_off_in_bounded_memory_and_the_others_get_everything()
    {
        // Its own server: a short queue (16 frames) so that the cut-off comes after a few megabytes.
        await using HardenedServer server = await HardenedServer.StartAsync("--rate", "1000000", "--max-queue", "16", "--max-chat-message", "60000");
        long growth = await server.WithstandsAsync(async () =>
        {
            using HostilePeer stalled = await HostilePeer.ConnectAsync(server.Port, receiveBufferSize: 4096);
            await stalled.UpgradeAsync("/chat?room=busy");
            await stalled.SendAsync(ChatFrame(new { type = "join", name = "stalled" }));
            Uri room = server.Process.ChatUri("busy");
            var (reader, readerJoined, _) = await ChatTestClient.JoinAsync(room, "reader");
            var (sender, _, _) = await ChatTestClient.JoinAsync(room, "sender");
            using (reader)
            using (sender)
            {
                // Broadcasting starts once all three are in the room.
                for (int members = ChatTestClient.Members(readerJoined).Length; members < 3; members++)
                {
                    Assert.Equal("join", ChatTestClient.Change(await reader.ExpectAsync("presence")).Event);
                }

                // 600 messages of 30 KB (18 MB), in rounds of 16 that both healthy members read before the next round,
                // so only the member that reads nothing can fall behind.
                string text = new('x', 30_000);
                const int Count = 600;
                const int Round = 16;
                bool stalledLeft = false;
                for (int i = 0; i < Count; i += Round)
                {
                    for (int j = i; j < i + Round; j++)
                    {
                        await sender.SayAsync(text);
                    }

                    for (int j = i; j < i + Round; j++)
                    {
                        await sender.SkipUntilAsync("message");
                        var skipped = new List<JsonElement>();
                        await reader.SkipUntilAsync("message", skipped);
                        stalledLeft |= skipped.Exists(e => e.GetProperty("type").GetString() == "presence" && e.GetProperty("name").GetString() == "stalled" && e.GetProperty("event").GetString() == "leave");
                    }
                }

                Assert.True(stalledLeft, "The stalled member was never cut off.");

                // The stalled member, reading at last, finds what was already on its way, then the end of the connection
                // (the 1013 close frame when it fit in the transport, which was full).
                int frames = 0;
                ServerFrame? close = null;
                try
                {
                    while (close is null)
                    {
                        ServerFrame frame = await stalled.ReadFrameAsync();
                        close = frame.Opcode == Opcode.Close ? frame : null;
                        frames++;
                    }

                    await stalled.ExpectEndAsync();
                }
                catch (Xunit.Sdk.XunitException exception) when (exception.Message.StartsWith("The server closed the connection", StringComparison.Ordinal))
                {
                    // Cut off without a close frame: the transport had no room for one.
                }
                catch (System.Net.Sockets.SocketException exception) when (exception.SocketErrorCode == System.Net.Sockets.SocketError.ConnectionReset)
                {
                    // Cut off by a reset, dropping what was still queued for it.
                }

                Assert.True(close is null || close.Value.CloseCode == 1013, $"Expected 1013, got {close}.");
                _output.WriteLine($"the stalled member got {frames} frames and {(close is null ? "no close frame" : "a 1013 close")} before its connection ended");
            }
        });
        _output.WriteLine($"peak resident growth {HardenedServer.Mebibytes(growth)}");
    }

    [Fact]
    public async Task A_member_that_stops_reading_then_sends_its_close_leaves_the_room_and_is_dropped_at_the_close_timeout()
    {
        await _server.WithstandsAsync(async () =>
        {
            int descriptorsBefore = _server.OpenDescriptors();
            using HostilePeer quiet = await HostilePeer.ConnectAsync(_server.Port, receiveBufferSize: 4096);
            await quiet.UpgradeAsync("/chat?room=quiet");
            await quiet.SendAsync(ChatFrame(new { type = "join", name = "quiet" }));
            var (talker, talkerJoined, _) = await ChatTestClient.JoinAsync(_server.Process.ChatUri("quiet"), "talker");
            using (talker)
            {
                if (!ChatTestClient.Members(talkerJoined).Contains("quiet"))
                {
                    Assert.Equal(("join", "quiet"), ChatTestClient.Change(await talker.ExpectAsync("presence")));
                }

                // 9 MB for a member that reads nothing: more than its socket and the transport's pipe hold, less than its
                // queue of 1024 frames, so the server's writer to it waits in a flush that never ends.
                string text = new('x', 30_000);
                for (int i = 0; i < 300; i++)
                {
                    await talker.SayAsync(text);
                    await talker.SkipUntilAsync("message");
                }

                // Its close still ends its membership, though the answer cannot go out; then the connection is dropped.
                await quiet.SendAsync(HostilePeer.CloseFrame(1000));
                JsonElement left = await talker.SkipUntilAsync("presence");
                Assert.Equal(("leave", "quiet"), (left.GetProperty("event").GetString(), left.GetProperty("name").GetString()));
            }

            await _server.WaitForDescriptorsAtMostAsync(descriptorsBefore + 16);
        }, _output);
    }

    private static string Name(int member) => "t" + member.ToString("D2", System.Globalization.CultureInfo.InvariantCulture);

    private static byte[] ChatFrame(object message) => HostilePeer.Frame(Opcode.Text, JsonSerializer.SerializeToUtf8Bytes(message));

    private static JsonElement Json(ServerFrame frame)
    {
        Assert.Equal(Opcode.Text, frame.Opcode);
        return JsonDocument.Parse(frame.Payload).RootElement.Clone();
    }

    /// <summary>Reads until <paramref name="count"/> chat messages arrived, as "from: text" in arrival order; other events are skipped.</summary>
    private static async Task<List<string>> ReadMessagesAsync(HostilePeer peer, int count)
    {
        var messages = new List<string>(count);
        while (messages.Count < count)
        {
            JsonElement message = Json(await peer.ReadFrameAsync());
            if (message.GetProperty("type").GetString() == "message")
            {
                messages.Add($"{message.GetProperty("from").GetString()}: {message.GetProperty("text").GetString()}");
            }
            else
            {
                // The others' joins (presence) and this member's own history arrive as well.
                Assert.Contains(message.GetProperty("type").GetString(), new[] { "presence", "history" });
            }
        }

        return messages;
    }

    /// <summary>
    /// The sample with the rate limit out of the way, room for a burst of 640 broadcasts per member, 30 KB messages, and
    /// a 2 s close timeout.
    /// </summary>
    public sealed class BusyServer : HardenedServerFixture
    {
        public BusyServer()
            : base("--rate", "1000000", "--max-queue", "1024", "--max-chat-message", "60000", "--close-timeout", "2")
        {
        }
    }
}
