using System;

namespace WebSocketProtocol.Framing;

/// <summary>
/// A frame encoded once and written to many connections: a broadcast pays for one encoding, and each server connection
/// copies the same wire bytes (<see cref="FrameWriter.WritePrepared"/>). Immutable and safe to share between threads.
/// </summary>
public sealed class PreparedFrame
{
    private readonly byte[] _encoded;
    private readonly int _headerLength;

    /// <summary>Encodes a server (unmasked) frame carrying a copy of <paramref name="payload"/>.</summary>
    /// <param name="opcode">A defined opcode.</param>
    /// <param name="payload">The payload, copied.</param>
    /// <param name="isFinal">FIN: whether this frame ends its message.</param>
    /// <param name="reservedBits">RSV1-3, for an extension that defines them.</param>
    public PreparedFrame(Opcode opcode, ReadOnlySpan<byte> payload, bool isFinal = true, ReservedBits reservedBits = ReservedBits.None)
    {
        FrameWriter.ValidateOutgoing(opcode, payload.Length, isFinal);
        Header = new FrameHeader(opcode, payload.Length, isFinal, reservedBits);
        _headerLength = Header.EncodedLength;
        _encoded = new byte[_headerLength + payload.Length];
        Header.WriteUnchecked(_encoded);
        payload.CopyTo(_encoded.AsSpan(_headerLength));
    }

    /// <summary>The frame's header as a server sends it.</summary>
    public FrameHeader Header { get; }

    /// <summary>The whole frame as a server puts it on the wire.</summary>
    public ReadOnlyMemory<byte> Encoded => _encoded;

    /// <summary>The payload alone.</summary>
    public ReadOnlyMemory<byte> Payload => _encoded.AsMemory(_headerLength);
}
