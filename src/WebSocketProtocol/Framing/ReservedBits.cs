using System;

namespace WebSocketProtocol.Framing;

/// <summary>
/// The RSV1-3 bits of a frame header, in the positions they have in the first header byte,
/// so they can be masked against an extension's claim (RFC 6455 section 5.2).
/// </summary>
[Flags]
public enum ReservedBits : byte
{
    /// <summary>No reserved bit set.</summary>
    None = 0,

    /// <summary>RSV3.</summary>
    Rsv3 = 0x10,

    /// <summary>RSV2.</summary>
    Rsv2 = 0x20,

    /// <summary>RSV1 (permessage-deflate's "per-message compressed" bit, RFC 7692 section 6).</summary>
    Rsv1 = 0x40,

    /// <summary>All three reserved bits.</summary>
    All = Rsv1 | Rsv2 | Rsv3,
}
