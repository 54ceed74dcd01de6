using System;

namespace WebSocketProtocol.Fuzz.Targets;

/// <summary>A frame as it was on the wire, payload unmasked: what the reader and the reference parser are compared on.</summary>
internal sealed record WireFrame(bool IsFinal, int ReservedBits, int Opcode, bool IsMasked, uint MaskKey, byte[] Payload)
{
    public bool SameAs(WireFrame other) =>
        IsFinal == other.IsFinal && ReservedBits == other.ReservedBits && Opcode == other.Opcode && IsMasked == other.IsMasked
        && MaskKey == other.MaskKey && Payload.AsSpan().SequenceEqual(other.Payload);

    public override string ToString() =>
        $"fin={IsFinal} rsv={ReservedBits} opcode={Opcode} masked={IsMasked} key={MaskKey:x8} length={Payload.Length}";
}
