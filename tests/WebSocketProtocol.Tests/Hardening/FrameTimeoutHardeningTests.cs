using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using WebSocketProtocol.Framing;
using WebSocketProtocol.Tests.Samples;
using Xunit;
using Xunit.Abstractions;

namespace WebSocketProtocol.Tests.Hardening;

/// <summary>
/// Peers parked inside a frame on a server with keepalive off: no ping will ever notice them, so the frame timeout must
/// (<c>--keepalive 0 --frame-timeout 2 --close-timeout 2</c>).
/// </summary>
[Collection(SampleCollection.Name)]
public sealed class FrameTimeoutHardeningTests : IClassFixture<FrameTimeoutHardeningTests.ServerWithoutKeepAlive>
{
    private const int Peers = 50;

    private readonly HardenedServer _server;
    private readonly ITestOutputHelper _output;

    public FrameTimeoutHardeningTests(ServerWithoutKeepAlive fixture, ITestOutputHelper output)
    {
        _server = fixture.Server;
        _output = output;
    }

    [Theory]
    [InlineData("/echo")]
    [InlineData("/chat?room=parked")]
    public async Task Fifty_peers_that_send_one_byte_of_a_frame_header_get_1011_then_the_TCP_close_with_keepalive_off(string path)
    {
        await _server.WithstandsAsync(async () =>
        {
            int descriptorsBefore = _server.OpenDescriptors();
            var peers = new List<HostilePeer>();
            try
            {
                for (int i = 0; i < Peers; i++)
                {
                    (HostilePeer peer, _) = await HostilePeer.UpgradeAsync(_server.Port, path);
                    peers.Add(peer);
                }

                // The first byte of a binary frame's header, and nothing more: the server can only wait.
                var clock = Stopwatch.StartNew();
                await Task.WhenAll(peers.Select(peer => peer.SendAsync(new byte[] { (byte)(0x80 | (int)Opcode.Binary) })));

                // Each gets the close (1011, a timer's verdict as for keepalive), then the end of the connection.
                await Task.WhenAll(peers.Select(peer => ExpectCloseAsync(peer)));
                _output.WriteLine($"{Peers} peers closed with 1011 {clock.Elapsed.TotalSeconds:0.0} s after their byte (frame timeout 2 s)");
            }
            finally
            {
                peers.ForEach(peer => peer.Dispose());
            }

            await _server.WaitForDescriptorsAtMostAsync(descriptorsBefore + 16);
        }, _output);
    }

    private static async Task ExpectCloseAsync(HostilePeer peer)
    {
        var skipped = new List<ServerFrame>();
        await peer.ExpectCloseAsync(1011, skipped);

        // Keepalive is off: nothing but what the endpoint says on joining may come before the close.
        Assert.DoesNotContain(skipped, frame => frame.Opcode == Opcode.Ping);
    }

    /// <summary>The sample without keepalive and with a 2 s frame timeout.</summary>
    public sealed class ServerWithoutKeepAlive : HardenedServerFixture
    {
        public ServerWithoutKeepAlive()
            : base("--keepalive", "0", "--frame-timeout", "2", "--close-timeout", "2")
        {
        }
    }
}
