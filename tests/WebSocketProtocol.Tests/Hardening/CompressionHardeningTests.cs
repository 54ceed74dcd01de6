using System;
using System.IO;
using System.IO.Compression;
using System.Threading.Tasks;
using WebSocketProtocol.Framing;
using WebSocketProtocol.Tests.Samples;
using Xunit;
using Xunit.Abstractions;

namespace WebSocketProtocol.Tests.Hardening;

/// <summary>
/// Hostile permessage-deflate (RFC 7692) against samples/ChatServer's /echo, which agrees to it as browsers ask: a
/// decompression bomb, RSV1 where it may not be, and DEFLATE data that is not valid.
/// </summary>
[Collection(SampleCollection.Name)]
public sealed class CompressionHardeningTests : IClassFixture<CompressionHardeningTests.DefaultServer>
{
    private const string OfferDeflate = "Sec-WebSocket-Extensions: permessage-deflate";

    private readonly HardenedServer _server;
    private readonly ITestOutputHelper _output;

    public CompressionHardeningTests(DefaultServer fixture, ITestOutputHelper output)
    {
        _server = fixture.Server;
        _output = output;
    }

    [Fact]
    public void The_bomb_is_under_1_MiB_and_inflates_to_1_GiB_with_zlib()
    {
        // The premise of the next test, checked by another inflater: zlib, streaming into a small buffer.
        byte[] bomb = DeflateBomb.Create(1L << 30, out long expected);
        Assert.InRange(bomb.Length, 1_000_000, 1024 * 1024);
        Assert.InRange(expected, 1L << 30, (1L << 30) + 258);
        using var inflater = new DeflateStream(new MemoryStream([.. bomb, 0x00, 0x00, 0xFF, 0xFF]), CompressionMode.Decompress);
        var buffer = new byte[1024 * 1024];
        long total = 0;
        for (int read; (read = inflater.Read(buffer)) > 0; total += read)
        {
            Assert.True(buffer.AsSpan(0, read).IndexOfAnyExcept((byte)0) < 0);
        }

        Assert.Equal(expected, total);
    }

    [Fact]
    public async Task A_one_MiB_frame_that_inflates_to_1_GiB_fails_with_1009_in_bounded_memory()
    {
        byte[] bomb = DeflateBomb.Create(1L << 30, out _);
        long growth = await _server.WithstandsAsync(async () =>
        {
            var (peer, response) = await HostilePeer.UpgradeAsync(_server.Port, "/echo", OfferDeflate);
            using (peer)
            {
                Assert.Equal("permessage-deflate", response.Header("Sec-WebSocket-Extensions"));

                // Inflated bytes count against /echo's 16 MiB limit as they are produced: 1009 long before 1 GiB.
                Task closed = peer.ExpectCloseAsync(1009);
                await peer.TrySendAsync(HostilePeer.Frame(Opcode.Binary, bomb, reservedBits: ReservedBits.Rsv1));
                await closed;
            }
        });
        _output.WriteLine($"peak resident growth {HardenedServer.Mebibytes(growth)} for a {bomb.Length} B frame inflating to 1 GiB");
    }

    [Theory]
    [InlineData(Opcode.Ping)]
    [InlineData(Opcode.Pong)]
    [InlineData(Opcode.Close)]
    public async Task RSV1_on_a_control_frame_fails_with_1002_even_with_permessage_deflate_agreed(Opcode opcode)
    {
        // RFC 7692 section 6.1: permessage-deflate sets RSV1 on the first frame of a data message only.
        byte[] payload = opcode == Opcode.Close ? [0x03, 0xE8] : [1, 2, 3];
        await ExpectCloseAsync(HostilePeer.Frame(opcode, payload, reservedBits: ReservedBits.Rsv1), 1002);
    }

    [Theory]
    [InlineData("reserved block type", new byte[] { 0x07, 0x00 })]
    [InlineData("stored block whose NLEN is not the complement of LEN", new byte[] { 0x00, 0x05, 0x00, 0x00, 0x00, 1, 2, 3, 4, 5 })]
    [InlineData("distance before the start of the window", new byte[] { 0x02, 0x02, 0x00 })]
    public async Task A_corrupt_deflate_stream_fails_with_1002(string what, byte[] compressed)
    {
        _output.WriteLine(what);
        await ExpectCloseAsync(HostilePeer.Frame(Opcode.Text, compressed, reservedBits: ReservedBits.Rsv1), 1002);
    }

    private async Task ExpectCloseAsync(byte[] hostile, int code)
    {
        long growth = await _server.WithstandsAsync(async () =>
        {
            var (peer, response) = await HostilePeer.UpgradeAsync(_server.Port, "/echo", OfferDeflate);
            using (peer)
            {
                Assert.Equal("permessage-deflate", response.Header("Sec-WebSocket-Extensions"));
                await peer.SendAsync(hostile);
                await peer.ExpectCloseAsync(code);
            }
        });
        _output.WriteLine($"peak resident growth {HardenedServer.Mebibytes(growth)}");
    }

    /// <summary>The sample with its defaults: /echo agrees to permessage-deflate and takes messages up to 16 MiB.</summary>
    public sealed class DefaultServer : HardenedServerFixture
    {
    }
}
