using System;
using System.Buffers.Binary;
using System.Threading.Tasks;
using WebSocketProtocol.Framing;
using WebSocketProtocol.Tests.Samples;
using Xunit;
using Xunit.Abstractions;

namespace WebSocketProtocol.Tests.Hardening;

/// <summary>
/// Hostile frames against samples/ChatServer's /echo and /chat over raw loopback sockets: each must end with the close code
/// its RFC 6455 rule maps to, read off the wire, then the TCP close, with the server's memory bounded and the next client served.
/// </summary>
[Collection(SampleCollection.Name)]
public sealed class FramingHardeningTests : IClassFixture<FramingHardeningTests.DefaultServer>
{
    private readonly HardenedServer _server;
    private readonly ITestOutputHelper _output;

    public FramingHardeningTests(DefaultServer fixture, ITestOutputHelper output)
    {
        _server = fixture.Server;
        _output = output;
    }

    [Fact]
    public async Task A_frame_declaring_2_63_minus_1_bytes_is_refused_with_1009_from_its_header_alone()
    {
        var header = new byte[FrameHeader.MaxEncodedLength];
        int length = new FrameHeader(Opcode.Binary, long.MaxValue, isMasked: true, maskKey: HostilePeer.RandomMaskKey()).Write(header);
        Assert.Equal(14, length);
        await ExpectCloseAsync("/echo", header, 1009);
    }

    [Fact]
    public async Task A_64_bit_length_with_its_top_bit_set_is_refused_with_1002()
    {
        // RFC 6455 section 5.2: "the most significant bit MUST be 0".
        byte[] header = [0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0x10, 0x12, 0x34, 0x56, 0x78];
        await ExpectCloseAsync("/echo", header, 1002);
    }

    [Fact]
    public async Task A_million_empty_fragments_make_one_empty_message_on_echo_in_bounded_memory()
    {
        await _server.WithstandsAsync(async () =>
        {
            var (peer, _) = await HostilePeer.UpgradeAsync(_server.Port, "/echo");
            using (peer)
            {
                // Each empty fragment is charged 16 bytes against /echo's 16 MiB limit, so a million of them (16 MB) fit.
                await SendEmptyFragmentsAsync(peer, 1_000_000, final: true);
                ServerFrame echo = await peer.ReadFrameAsync();
                Assert.Equal((Opcode.Text, true, 0), (echo.Opcode, echo.IsFinal, echo.Payload.Length));
                await peer.SendAsync(HostilePeer.CloseFrame(1000));
                await peer.ExpectCloseAsync(1000);
            }
        }, _output);
    }

    [Fact]
    public async Task A_million_empty_fragments_on_chat_fail_with_1009_once_their_charge_passes_the_message_limit()
    {
        await _server.WithstandsAsync(async () =>
        {
            var (peer, _) = await HostilePeer.UpgradeAsync(_server.Port, "/chat?room=fragments");
            using (peer)
            {
                // The chat's limit is about 9 KiB: at 16 bytes a fragment, the 565th is one too many. The rest is reset.
                Task closed = peer.ExpectCloseAsync(1009);
                await SendEmptyFragmentsAsync(peer, 1_000_000, final: true);
                await closed;
            }
        }, _output);
    }

    [Fact]
    public async Task Invalid_UTF_8_split_across_fragments_fails_with_1007_before_the_message_ends()
    {
        // F0 9F starts a four-byte sequence; the next fragment's 'A' cannot continue it. The message never ends.
        byte[] frames = [.. HostilePeer.Frame(Opcode.Text, [(byte)'o', (byte)'k', 0xF0, 0x9F], isFinal: false), .. HostilePeer.Frame(Opcode.Continuation, "A and more"u8, isFinal: false)];
        await ExpectCloseAsync("/echo", frames, 1007);
    }

    [Fact]
    public async Task A_close_reason_with_invalid_UTF_8_fails_with_1007()
    {
        await ExpectCloseAsync("/echo", HostilePeer.CloseFrame(1000, [(byte)'b', (byte)'y', (byte)'e', 0xC3, 0x28]), 1007);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(999)]
    [InlineData(1004)]
    [InlineData(1005)]
    [InlineData(1006)]
    [InlineData(1015)]
    [InlineData(2999)]
    [InlineData(5000)]
    public async Task A_close_code_that_may_not_appear_on_the_wire_fails_with_1002(int code)
    {
        // RFC 6455 section 7.4: 1005, 1006 and 1015 are for local reporting only; below 1000, 1004, 1016-2999 and 5000+ are not defined.
        await ExpectCloseAsync("/echo", HostilePeer.CloseFrame((ushort)code), 1002);
    }

    [Theory]
    [InlineData(ReservedBits.Rsv1)]
    [InlineData(ReservedBits.Rsv2)]
    [InlineData(ReservedBits.Rsv3)]
    [InlineData(ReservedBits.All)]
    public async Task A_reserved_bit_no_extension_claimed_fails_with_1002(ReservedBits bits)
    {
        // No permessage-deflate offered, so even RSV1 means nothing here (RFC 6455 section 5.2).
        await ExpectCloseAsync("/echo", HostilePeer.Frame(Opcode.Text, "hello"u8, reservedBits: bits), 1002);
    }

    [Theory]
    [InlineData(0x3)]
    [InlineData(0x4)]
    [InlineData(0x5)]
    [InlineData(0x6)]
    [InlineData(0x7)]
    [InlineData(0xB)]
    [InlineData(0xC)]
    [InlineData(0xD)]
    [InlineData(0xE)]
    [InlineData(0xF)]
    public async Task A_reserved_opcode_fails_with_1002(int opcode)
    {
        await ExpectCloseAsync("/chat?room=opcodes", HostilePeer.Frame((Opcode)opcode, "??"u8), 1002);
    }

    [Fact]
    public async Task An_unmasked_client_frame_fails_with_1002()
    {
        // RFC 6455 section 5.1: "a server MUST close the connection upon receiving a frame that is not masked".
        await ExpectCloseAsync("/echo", HostilePeer.Frame(Opcode.Text, "naked"u8, masked: false), 1002);
    }

    /// <summary>Upgrades to <paramref name="path"/>, sends <paramref name="hostile"/> and expects <paramref name="code"/> then the TCP close.</summary>
    private Task ExpectCloseAsync(string path, byte[] hostile, int code) =>
        _server.WithstandsAsync(async () =>
        {
            var (peer, _) = await HostilePeer.UpgradeAsync(_server.Port, path);
            using (peer)
            {
                await peer.SendAsync(hostile);
                await peer.ExpectCloseAsync(code);
            }
        }, _output);

    /// <summary>
    /// One empty text frame without FIN, then empty continuations (the last with FIN when <paramref name="final"/>), masked,
    /// sent in 60 KB writes; stops quietly if the server closes first.
    /// </summary>
    private static async Task SendEmptyFragmentsAsync(HostilePeer peer, int count, bool final)
    {
        const int FrameLength = 6;
        const int PerWrite = 10_000;
        var chunk = new byte[PerWrite * FrameLength];
        for (int sent = 0; sent < count; sent += PerWrite)
        {
            int frames = Math.Min(PerWrite, count - sent);
            for (int i = 0; i < frames; i++)
            {
                int index = sent + i;
                bool last = index == count - 1;
                Span<byte> frame = chunk.AsSpan(i * FrameLength, FrameLength);
                frame[0] = (byte)((last && final ? 0x80 : 0x00) | (index == 0 ? (int)Opcode.Text : (int)Opcode.Continuation));
                frame[1] = 0x80;
                BinaryPrimitives.WriteUInt32BigEndian(frame.Slice(2), (uint)index);
            }

            if (!await peer.TrySendAsync(chunk.AsMemory(0, frames * FrameLength)))
            {
                return;
            }
        }
    }

    /// <summary>The sample with its defaults: /echo takes messages up to 16 MiB, /chat about 9 KiB.</summary>
    public sealed class DefaultServer : HardenedServerFixture
    {
    }
}
