using System.Collections.Generic;
using WebSocketProtocol.Framing;
using Xunit;

namespace WebSocketProtocol.Tests.Framing;

public class FrameHeaderValidatorTests
{
    private static FrameReaderOptions Server(ReservedBits allowed = ReservedBits.None, long max = 1000) =>
        new(WebSocketRole.Server) { AllowedReservedBits = allowed, MaxFramePayloadLength = max };

    private static FrameReaderOptions Client() => new(WebSocketRole.Client) { MaxFramePayloadLength = 1000 };

    private static FrameHeader Masked(Opcode opcode, long length, bool fin = true, ReservedBits rsv = ReservedBits.None) =>
        new(opcode, length, fin, rsv, isMasked: true, maskKey: 0x11223344);

    public static IEnumerable<object[]> Cases()
    {
        // Opcodes (RFC 6455 section 5.2): 0x3-0x7 and 0xB-0xF are reserved.
        foreach (byte reserved in new byte[] { 3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF })
        {
            yield return new object[] { Masked((Opcode)reserved, 0), Server(), ProtocolError.ReservedOpcode, CloseStatus.ProtocolError };
        }

        // Reserved bits without an extension, each one alone and all together.
        yield return new object[] { Masked(Opcode.Text, 1, rsv: ReservedBits.Rsv1), Server(), ProtocolError.ReservedBitsSet, CloseStatus.ProtocolError };
        yield return new object[] { Masked(Opcode.Text, 1, rsv: ReservedBits.Rsv2), Server(), ProtocolError.ReservedBitsSet, CloseStatus.ProtocolError };
        yield return new object[] { Masked(Opcode.Text, 1, rsv: ReservedBits.Rsv3), Server(), ProtocolError.ReservedBitsSet, CloseStatus.ProtocolError };
        yield return new object[] { Masked(Opcode.Ping, 1, rsv: ReservedBits.All), Server(), ProtocolError.ReservedBitsSet, CloseStatus.ProtocolError };
        // An extension that claims RSV1 allows only RSV1.
        yield return new object[] { Masked(Opcode.Text, 1, rsv: ReservedBits.Rsv1), Server(ReservedBits.Rsv1), ProtocolError.None, CloseStatus.NormalClosure };
        yield return new object[] { Masked(Opcode.Text, 1, rsv: ReservedBits.Rsv2), Server(ReservedBits.Rsv1), ProtocolError.ReservedBitsSet, CloseStatus.ProtocolError };

        // Control frames (section 5.5): at most 125 bytes and never fragmented.
        yield return new object[] { Masked(Opcode.Ping, 125), Server(), ProtocolError.None, CloseStatus.NormalClosure };
        yield return new object[] { Masked(Opcode.Ping, 126), Server(), ProtocolError.ControlFrameTooLong, CloseStatus.ProtocolError };
        yield return new object[] { Masked(Opcode.Close, 126), Server(), ProtocolError.ControlFrameTooLong, CloseStatus.ProtocolError };
        yield return new object[] { Masked(Opcode.Pong, 0, fin: false), Server(), ProtocolError.FragmentedControlFrame, CloseStatus.ProtocolError };
        yield return new object[] { Masked(Opcode.Close, 2, fin: false), Server(), ProtocolError.FragmentedControlFrame, CloseStatus.ProtocolError };

        // Masking (section 5.1).
        yield return new object[] { new FrameHeader(Opcode.Text, 1), Server(), ProtocolError.UnmaskedFrameFromClient, CloseStatus.ProtocolError };
        yield return new object[] { Masked(Opcode.Text, 1), Client(), ProtocolError.MaskedFrameFromServer, CloseStatus.ProtocolError };
        yield return new object[] { new FrameHeader(Opcode.Text, 1), Client(), ProtocolError.None, CloseStatus.NormalClosure };

        // Size limit (1009), judged on the declared length alone.
        yield return new object[] { Masked(Opcode.Binary, 1000), Server(), ProtocolError.None, CloseStatus.NormalClosure };
        yield return new object[] { Masked(Opcode.Binary, 1001), Server(), ProtocolError.FrameTooLarge, CloseStatus.MessageTooBig };
        yield return new object[] { Masked(Opcode.Continuation, long.MaxValue, fin: false), Server(), ProtocolError.FrameTooLarge, CloseStatus.MessageTooBig };
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_framing_rule_yields_its_own_error_and_close_code(FrameHeader header, FrameReaderOptions options, ProtocolError expected, CloseStatus expectedStatus)
    {
        ProtocolError actual = FrameHeaderValidator.Validate(header, options);

        Assert.Equal(expected, actual);
        Assert.Equal(expectedStatus, actual.ToCloseStatus());
    }

    [Fact]
    public void Max_frame_payload_length_must_admit_a_control_frame()
    {
        Assert.Throws<System.ArgumentOutOfRangeException>(() => new FrameReaderOptions(WebSocketRole.Server) { MaxFramePayloadLength = 124 });
    }
}
