using System;
using System.Buffers;
using System.Collections.Generic;
using WebSocketProtocol.Framing;
using WebSocketProtocol.Tests.Support;
using Xunit;

namespace WebSocketProtocol.Tests.Framing;

public class FrameHeaderTests
{
    public static IEnumerable<object[]> Headers()
    {
        yield return new object[] { new FrameHeader(Opcode.Text, 0) };
        yield return new object[] { new FrameHeader(Opcode.Binary, 125, isFinal: false) };
        yield return new object[] { new FrameHeader(Opcode.Binary, 126, isMasked: true, maskKey: 0xdeadbeef) };
        yield return new object[] { new FrameHeader(Opcode.Continuation, ushort.MaxValue, reservedBits: ReservedBits.Rsv1) };
        yield return new object[] { new FrameHeader(Opcode.Binary, ushort.MaxValue + 1L, isMasked: true, maskKey: 1) };
        yield return new object[] { new FrameHeader(Opcode.Binary, long.MaxValue, reservedBits: ReservedBits.All, isMasked: true, maskKey: uint.MaxValue) };
        yield return new object[] { new FrameHeader(Opcode.Close, 2, isMasked: true, maskKey: 0) };
    }

    [Theory]
    [MemberData(nameof(Headers))]
    public void Header_written_then_parsed_from_a_span_is_identical(FrameHeader header)
    {
        var bytes = new byte[FrameHeader.MaxEncodedLength];
        int written = header.Write(bytes);

        Assert.True(FrameHeader.TryParse(bytes.AsSpan(0, written), out FrameHeader parsed, out int consumed));
        Assert.Equal(header, parsed);
        Assert.Equal(written, consumed);
        Assert.Equal(header.EncodedLength, written);
    }

    [Theory]
    [MemberData(nameof(Headers))]
    public void Header_split_across_segments_at_every_byte_parses_the_same(FrameHeader header)
    {
        var bytes = new byte[header.EncodedLength];
        header.Write(bytes);

        for (int split = 1; split < bytes.Length; split++)
        {
            var sequence = SegmentedSequence.Create(new[] { bytes[..split], bytes[split..] });
            Assert.True(FrameHeader.TryParse(sequence, out FrameHeader parsed, out int consumed));
            Assert.Equal(header, parsed);
            Assert.Equal(bytes.Length, consumed);
        }

        var oneBytePerSegment = SegmentedSequence.Create(SegmentedSequence.SplitIntoBytes(bytes));
        Assert.True(FrameHeader.TryParse(oneBytePerSegment, out FrameHeader fromBytes, out _));
        Assert.Equal(header, fromBytes);
    }

    [Theory]
    [MemberData(nameof(Headers))]
    public void Every_proper_prefix_of_a_header_reports_need_more(FrameHeader header)
    {
        var bytes = new byte[header.EncodedLength];
        header.Write(bytes);

        for (int length = 0; length < bytes.Length; length++)
        {
            Assert.False(FrameHeader.TryParse(bytes.AsSpan(0, length), out _, out int consumed));
            Assert.Equal(0, consumed);
            var prefix = SegmentedSequence.Create(SegmentedSequence.SplitIntoBytes(bytes[..length]));
            Assert.False(FrameHeader.TryParse(prefix, out _, out _));
        }
    }

    [Theory]
    [InlineData(0, 2)]
    [InlineData(125, 2)]
    [InlineData(126, 4)]
    [InlineData(65535, 4)]
    [InlineData(65536, 10)]
    public void Encoded_length_uses_the_minimal_length_form(long payloadLength, int expected)
    {
        Assert.Equal(expected, FrameHeader.GetEncodedLength(payloadLength, isMasked: false));
        Assert.Equal(expected + 4, FrameHeader.GetEncodedLength(payloadLength, isMasked: true));
    }

    [Fact]
    public void A_64_bit_length_with_its_top_bit_set_is_a_protocol_error_1002()
    {
        byte[] bytes = { 0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 1 };

        var error = Assert.Throws<WebSocketProtocolException>(() => FrameHeader.TryParse(bytes, out _, out _));

        Assert.Equal(ProtocolError.PayloadLengthTopBitSet, error.Error);
        Assert.Equal(CloseStatus.ProtocolError, error.CloseStatus);
    }

    [Fact]
    public void TryFormat_into_a_too_small_destination_returns_false_and_writes_nothing()
    {
        var header = new FrameHeader(Opcode.Binary, 70000, isMasked: true, maskKey: 5);
        var destination = new byte[header.EncodedLength - 1];

        Assert.False(header.TryFormat(destination, out int written));
        Assert.Equal(0, written);
        Assert.All(destination, b => Assert.Equal(0, b));
        Assert.Throws<ArgumentException>(() => header.Write(destination));
    }

    [Fact]
    public void Constructor_rejects_values_the_wire_cannot_carry()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new FrameHeader(Opcode.Binary, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FrameHeader((Opcode)0x10, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FrameHeader(Opcode.Binary, 0, reservedBits: (ReservedBits)0x80));
    }

    [Fact]
    public void An_unmasked_header_ignores_the_mask_key_given_to_it()
    {
        var header = new FrameHeader(Opcode.Text, 3, isMasked: false, maskKey: 1234);

        Assert.Equal(0u, header.MaskKey);
        Assert.Equal(new FrameHeader(Opcode.Text, 3), header);
    }

    [Fact]
    public void Header_bytes_follow_the_rfc_layout()
    {
        var header = new FrameHeader(Opcode.Ping, 1, isFinal: true, reservedBits: ReservedBits.Rsv1 | ReservedBits.Rsv3, isMasked: true, maskKey: 0x01020304);
        var bytes = new byte[header.EncodedLength];
        header.Write(bytes);

        Assert.Equal(new byte[] { 0x80 | 0x40 | 0x10 | 0x9, 0x80 | 1, 1, 2, 3, 4 }, bytes);
    }

    [Fact]
    public void A_sequence_with_the_whole_header_in_its_first_segment_parses_from_that_segment()
    {
        var header = new FrameHeader(Opcode.Binary, 300, isMasked: true, maskKey: 9);
        var bytes = new byte[header.EncodedLength + 20];
        header.Write(bytes);
        var sequence = SegmentedSequence.Create(new[] { bytes[..16], bytes[16..] });

        Assert.True(FrameHeader.TryParse(sequence, out FrameHeader parsed, out int consumed));
        Assert.Equal(header, parsed);
        Assert.Equal(8, consumed);
        Assert.False(FrameHeader.TryParse(ReadOnlySequence<byte>.Empty, out _, out _));
    }
}
