using System;
using System.Buffers;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using WebSocketProtocol.Framing;
using WebSocketProtocol.Tests.Support;
using Xunit;

namespace WebSocketProtocol.Tests.Framing;

/// <summary>The exact byte sequences of RFC 6455 section 5.7, read and written.</summary>
public class Rfc6455ExampleTests
{
    private const uint RfcMaskKey = 0x37fa213d;
    private static readonly byte[] Hello = Encoding.ASCII.GetBytes("Hello");

    private static readonly byte[] UnmaskedHello = { 0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f };
    private static readonly byte[] MaskedHello = { 0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58 };
    private static readonly byte[] FragmentHel = { 0x01, 0x03, 0x48, 0x65, 0x6c };
    private static readonly byte[] FragmentLo = { 0x80, 0x02, 0x6c, 0x6f };
    private static readonly byte[] UnmaskedPing = { 0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f };
    private static readonly byte[] MaskedPong = { 0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58 };

    private static byte[] Binary(int length) => Enumerable.Range(0, length).Select(i => (byte)(i * 7)).ToArray();

    private static byte[] UnmaskedBinary256() => new byte[] { 0x82, 0x7E, 0x01, 0x00 }.Concat(Binary(256)).ToArray();

    private static byte[] UnmaskedBinary64K() =>
        new byte[] { 0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0 }.Concat(Binary(65536)).ToArray();

    private static async Task<(FrameHeader Header, byte[] Payload)[]> ReadAsync(byte[] wire, WebSocketRole role)
    {
        var pipe = FrameBytes.UnboundedPipe();
        await pipe.Writer.WriteAsync(wire);
        pipe.Writer.Complete();
        var reader = new FrameReader(pipe.Reader, new FrameReaderOptions(role));
        return (await FrameBytes.ReadAllAsync(reader)).ToArray();
    }

    private static byte[] WriteServer(Action<FrameWriter> write)
    {
        var output = new ArrayBufferWriter<byte>();
        write(new FrameWriter(output, WebSocketRole.Server));
        return output.WrittenSpan.ToArray();
    }

    [Fact]
    public async Task Single_frame_unmasked_text_Hello_reads_as_text_Hello()
    {
        var frames = await ReadAsync(UnmaskedHello, WebSocketRole.Client);

        var (header, payload) = Assert.Single(frames);
        Assert.Equal(new FrameHeader(Opcode.Text, 5), header);
        Assert.Equal(Hello, payload);
    }

    [Fact]
    public void Single_frame_unmasked_text_Hello_is_written_byte_for_byte()
    {
        Assert.Equal(UnmaskedHello, WriteServer(w => w.WriteFrame(Opcode.Text, Hello)));
    }

    [Fact]
    public async Task Single_frame_masked_text_Hello_reads_with_the_rfc_mask_key_and_unmasks()
    {
        var frames = await ReadAsync(MaskedHello, WebSocketRole.Server);

        var (header, payload) = Assert.Single(frames);
        Assert.Equal(new FrameHeader(Opcode.Text, 5, isMasked: true, maskKey: RfcMaskKey), header);
        Assert.Equal(Hello, payload);
    }

    [Fact]
    public void Single_frame_masked_text_Hello_is_encoded_byte_for_byte_with_the_rfc_mask_key()
    {
        var header = new FrameHeader(Opcode.Text, 5, isMasked: true, maskKey: RfcMaskKey);
        var wire = new byte[header.EncodedLength + Hello.Length];
        int headerLength = header.Write(wire);
        PayloadMask.Apply(Hello, wire.AsSpan(headerLength), RfcMaskKey, 0);

        Assert.Equal(MaskedHello, wire);
    }

    [Fact]
    public async Task Fragmented_unmasked_Hel_lo_reads_as_two_frames_with_fin_only_on_the_second()
    {
        var frames = await ReadAsync(FragmentHel.Concat(FragmentLo).ToArray(), WebSocketRole.Client);

        Assert.Equal(2, frames.Length);
        Assert.Equal(new FrameHeader(Opcode.Text, 3, isFinal: false), frames[0].Header);
        Assert.Equal("Hel", Encoding.ASCII.GetString(frames[0].Payload));
        Assert.Equal(new FrameHeader(Opcode.Continuation, 2), frames[1].Header);
        Assert.Equal("lo", Encoding.ASCII.GetString(frames[1].Payload));
    }

    [Fact]
    public void Fragmented_unmasked_Hel_lo_is_written_byte_for_byte()
    {
        byte[] wire = WriteServer(w =>
        {
            w.WriteFrame(Opcode.Text, "Hel"u8, isFinal: false);
            w.WriteFrame(Opcode.Continuation, "lo"u8);
        });

        Assert.Equal(FragmentHel.Concat(FragmentLo).ToArray(), wire);
    }

    [Fact]
    public async Task Unmasked_ping_Hello_reads_and_is_written_byte_for_byte()
    {
        var (header, payload) = Assert.Single(await ReadAsync(UnmaskedPing, WebSocketRole.Client));
        Assert.Equal(new FrameHeader(Opcode.Ping, 5), header);
        Assert.Equal(Hello, payload);

        Assert.Equal(UnmaskedPing, WriteServer(w => w.WritePing(Hello)));
    }

    [Fact]
    public async Task Masked_pong_Hello_reads_with_the_rfc_mask_key()
    {
        var (header, payload) = Assert.Single(await ReadAsync(MaskedPong, WebSocketRole.Server));

        Assert.Equal(new FrameHeader(Opcode.Pong, 5, isMasked: true, maskKey: RfcMaskKey), header);
        Assert.Equal(Hello, payload);
    }

    [Fact]
    public async Task Binary_256_bytes_uses_the_16_bit_length_form_both_ways()
    {
        byte[] wire = UnmaskedBinary256();

        var (header, payload) = Assert.Single(await ReadAsync(wire, WebSocketRole.Client));
        Assert.Equal(new FrameHeader(Opcode.Binary, 256), header);
        Assert.Equal(4, header.EncodedLength);
        Assert.Equal(Binary(256), payload);

        Assert.Equal(wire, WriteServer(w => w.WriteFrame(Opcode.Binary, Binary(256))));
    }

    [Fact]
    public async Task Binary_64KiB_uses_the_64_bit_length_form_both_ways()
    {
        byte[] wire = UnmaskedBinary64K();

        var (header, payload) = Assert.Single(await ReadAsync(wire, WebSocketRole.Client));
        Assert.Equal(new FrameHeader(Opcode.Binary, 65536), header);
        Assert.Equal(10, header.EncodedLength);
        Assert.Equal(Binary(65536), payload);

        Assert.Equal(wire, WriteServer(w => w.WriteFrame(Opcode.Binary, Binary(65536))));
    }

    [Fact]
    public async Task Client_writer_output_of_Hello_reads_back_as_masked_text_Hello_on_a_server()
    {
        var output = new ArrayBufferWriter<byte>();
        new FrameWriter(output, WebSocketRole.Client).WriteFrame(Opcode.Text, Hello);

        var (header, payload) = Assert.Single(await ReadAsync(output.WrittenSpan.ToArray(), WebSocketRole.Server));
        Assert.True(header.IsMasked);
        Assert.Equal(Hello, payload);
    }
}
