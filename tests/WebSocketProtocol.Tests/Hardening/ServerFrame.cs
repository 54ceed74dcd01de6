using System;
using System.Buffers.Binary;
using System.Text;
using WebSocketProtocol.Framing;

namespace WebSocketProtocol.Tests.Hardening;

/// <summary>A frame the server sent, as <see cref="HostilePeer"/> read it off the wire (servers never mask).</summary>
internal readonly record struct ServerFrame(Opcode Opcode, bool IsFinal, ReservedBits ReservedBits, byte[] Payload)
{
    /// <summary>The close code of a close frame, or null when its body is empty.</summary>
    public int? CloseCode => Opcode == Opcode.Close && Payload.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(Payload) : null;

    public string Text => Encoding.UTF8.GetString(Payload);

    public override string ToString() =>
        $"{Opcode} fin={IsFinal} rsv={ReservedBits} {Payload.Length} B" + (CloseCode is { } code ? $" code {code}" : string.Empty);
}
