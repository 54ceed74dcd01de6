using System;
using System.Collections.Generic;

namespace WebSocketProtocol.Fuzz.Targets;

/// <summary>
/// RFC 6455 section 5.2 read the plain way, byte by byte from one array, sharing no code with the library: the reference
/// the <see cref="Framing.FrameReader"/> must agree with however its input is cut.
/// </summary>
internal static class ReferenceFrameParser
{
    /// <summary>
    /// Parses <paramref name="wire"/> into frames and returns the rule the first bad frame breaks, <see cref="ProtocolError.None"/>
    /// for input that ends cleanly between frames, or <see cref="ProtocolError.TruncatedFrame"/> when it ends inside one.
    /// </summary>
    public static ProtocolError Parse(ReadOnlySpan<byte> wire, bool isServer, int allowedReservedBits, long maxPayload, List<WireFrame> frames)
    {
        int position = 0;
        while (position < wire.Length)
        {
            int available = wire.Length - position;
            if (available < 2)
            {
                return ProtocolError.TruncatedFrame;
            }

            byte first = wire[position];
            byte second = wire[position + 1];
            bool masked = (second & 0x80) != 0;
            int lengthCode = second & 0x7F;
            int extended = lengthCode == 126 ? 2 : lengthCode == 127 ? 8 : 0;
            int headerLength = 2 + extended + (masked ? 4 : 0);
            if (available < headerLength)
            {
                return ProtocolError.TruncatedFrame;
            }

            ulong length = (ulong)lengthCode;
            if (extended != 0)
            {
                length = 0;
                for (int i = 0; i < extended; i++)
                {
                    length = (length << 8) | wire[position + 2 + i];
                }
            }

            if (lengthCode == 127 && length > long.MaxValue)
            {
                return ProtocolError.PayloadLengthTopBitSet;
            }

            bool final = (first & 0x80) != 0;
            int reserved = first & 0x70;
            int opcode = first & 0x0F;
            bool control = opcode >= 8;
            ProtocolError broken =
                opcode is (>= 3 and <= 7) or >= 11 ? ProtocolError.ReservedOpcode
                : (reserved & ~allowedReservedBits) != 0 ? ProtocolError.ReservedBitsSet
                : control && length > 125 ? ProtocolError.ControlFrameTooLong
                : control && !final ? ProtocolError.FragmentedControlFrame
                : isServer && !masked ? ProtocolError.UnmaskedFrameFromClient
                : !isServer && masked ? ProtocolError.MaskedFrameFromServer
                : length > (ulong)maxPayload ? ProtocolError.FrameTooLarge
                : ProtocolError.None;
            if (broken != ProtocolError.None)
            {
                return broken;
            }

            if ((ulong)(available - headerLength) < length)
            {
                return ProtocolError.TruncatedFrame;
            }

            uint key = 0;
            int keyStart = position + 2 + extended;
            byte[] payload = wire.Slice(position + headerLength, (int)length).ToArray();
            if (masked)
            {
                key = (uint)((wire[keyStart] << 24) | (wire[keyStart + 1] << 16) | (wire[keyStart + 2] << 8) | wire[keyStart + 3]);
                for (int i = 0; i < payload.Length; i++)
                {
                    payload[i] ^= wire[keyStart + (i & 3)];
                }
            }

            frames.Add(new WireFrame(final, reserved, opcode, masked, key, payload));
            position += headerLength + (int)length;
        }

        return ProtocolError.None;
    }
}
