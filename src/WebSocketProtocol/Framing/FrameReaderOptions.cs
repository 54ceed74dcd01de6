using System;

namespace WebSocketProtocol.Framing;

/// <summary>What a <see cref="FrameReader"/> accepts: its role, the reserved bits extensions have claimed, and the frame size limit.</summary>
public sealed class FrameReaderOptions
{
    /// <summary>The default <see cref="MaxFramePayloadLength"/>: 1 MiB, enough for chat and APIs, small enough for a public server.</summary>
    public const long DefaultMaxFramePayloadLength = 1024 * 1024;

    private long _maxFramePayloadLength = DefaultMaxFramePayloadLength;

    /// <summary>Creates options for <paramref name="role"/>, the side this reader plays.</summary>
    public FrameReaderOptions(WebSocketRole role) => Role = role;

    /// <summary>The side that reads: a server requires masked frames, a client unmasked ones (RFC 6455 section 5.1).</summary>
    public WebSocketRole Role { get; }

    /// <summary>The reserved bits negotiated extensions define; any other set bit is a protocol error. Default: none.</summary>
    public ReservedBits AllowedReservedBits { get; set; }

    /// <summary>
    /// The longest payload a single frame may declare; a longer one fails with 1009 as soon as its header is read,
    /// before any of its payload is buffered. Default: <see cref="DefaultMaxFramePayloadLength"/>.
    /// </summary>
    public long MaxFramePayloadLength
    {
        get => _maxFramePayloadLength;
        set
        {
            if (value < FrameHeader.MaxControlPayloadLength)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "The limit must admit a control frame (125 bytes).");
            }

            _maxFramePayloadLength = value;
        }
    }
}
