using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace WebSocketProtocol.Framing;

/// <summary>
/// A decoded frame header (RFC 6455 section 5.2): FIN, RSV1-3, opcode, MASK, masking key and payload length.
/// Decoding reports what is on the wire; <see cref="FrameHeaderValidator"/> decides which rules it breaks.
/// </summary>
public readonly struct FrameHeader : IEquatable<FrameHeader>
{
    /// <summary>The longest encoded header: 2 bytes, an 8-byte extended length and a 4-byte masking key.</summary>
    public const int MaxEncodedLength = 14;

    /// <summary>The longest payload a control frame may carry (RFC 6455 section 5.5).</summary>
    public const int MaxControlPayloadLength = 125;

    private const byte FinBit = 0x80;
    private const byte MaskBit = 0x80;

    /// <summary>Creates a header. <paramref name="maskKey"/> is used only when <paramref name="isMasked"/> is set.</summary>
    /// <param name="opcode">The frame's opcode.</param>
    /// <param name="payloadLength">The payload length, 0 to <see cref="long.MaxValue"/>.</param>
    /// <param name="isFinal">FIN: whether this frame ends its message.</param>
    /// <param name="reservedBits">RSV1-3.</param>
    /// <param name="isMasked">Whether the payload is masked.</param>
    /// <param name="maskKey">The masking key, its four bytes read in network (big-endian) order.</param>
    public FrameHeader(Opcode opcode, long payloadLength, bool isFinal = true, ReservedBits reservedBits = ReservedBits.None, bool isMasked = false, uint maskKey = 0)
    {
        if (payloadLength < 0)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(payloadLength), "A payload length cannot be negative.");
        }

        if (((byte)opcode & 0xF0) != 0)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(opcode), "An opcode is 4 bits.");
        }

        if ((reservedBits & ~ReservedBits.All) != 0)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(reservedBits), "Only RSV1, RSV2 and RSV3 exist.");
        }

        Opcode = opcode;
        PayloadLength = payloadLength;
        IsFinal = isFinal;
        ReservedBits = reservedBits;
        IsMasked = isMasked;
        MaskKey = isMasked ? maskKey : 0;
    }

    private FrameHeader(byte first, bool isMasked, uint maskKey, long payloadLength)
    {
        Opcode = (Opcode)(first & 0x0F);
        IsFinal = (first & FinBit) != 0;
        ReservedBits = (ReservedBits)(first & (byte)ReservedBits.All);
        IsMasked = isMasked;
        MaskKey = maskKey;
        PayloadLength = payloadLength;
    }

    /// <summary>FIN: whether this is the last frame of its message.</summary>
    public bool IsFinal { get; }

    /// <summary>The RSV1-3 bits as received or to be sent.</summary>
    public ReservedBits ReservedBits { get; }

    /// <summary>The opcode; may be a reserved value when decoded from the wire.</summary>
    public Opcode Opcode { get; }

    /// <summary>MASK: whether the payload is masked.</summary>
    public bool IsMasked { get; }

    /// <summary>The masking key as a big-endian number (wire bytes <c>37 fa 21 3d</c> read as <c>0x37fa213d</c>); 0 when unmasked.</summary>
    public uint MaskKey { get; }

    /// <summary>The payload length in bytes.</summary>
    public long PayloadLength { get; }

    /// <summary>The number of bytes this header takes on the wire.</summary>
    public int EncodedLength => GetEncodedLength(PayloadLength, IsMasked);

    /// <summary>The number of bytes a header for <paramref name="payloadLength"/> takes, using the minimal length form (RFC 6455 section 5.2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int GetEncodedLength(long payloadLength, bool isMasked)
    {
        int length = payloadLength <= 125 ? 2 : payloadLength <= ushort.MaxValue ? 4 : 10;
        return isMasked ? length + 4 : length;
    }

    /// <summary>
    /// Decodes a header from the start of <paramref name="source"/>. Returns <see langword="false"/> when more bytes are needed,
    /// and throws <see cref="WebSocketProtocolException"/> for a 64-bit length with its top bit set, which no value can hold.
    /// </summary>
    /// <param name="source">Bytes received, starting at a frame boundary.</param>
    /// <param name="header">The decoded header.</param>
    /// <param name="bytesConsumed">The header's encoded length.</param>
    public static bool TryParse(ReadOnlySpan<byte> source, out FrameHeader header, out int bytesConsumed)
    {
        if (!TryDecode(source, out header, out bytesConsumed, out bool lengthTopBitSet))
        {
            if (lengthTopBitSet)
            {
                ThrowHelper.ThrowProtocolError(ProtocolError.PayloadLengthTopBitSet);
            }

            return false;
        }

        return true;
    }

    /// <summary>
    /// <see cref="TryParse(ReadOnlySpan{byte}, out FrameHeader, out int)"/> without the throw, for the reader's per-frame
    /// path: a 64-bit length with its top bit set comes back as <paramref name="lengthTopBitSet"/>.
    /// </summary>
    internal static bool TryDecode(ReadOnlySpan<byte> source, out FrameHeader header, out int bytesConsumed, out bool lengthTopBitSet)
    {
        lengthTopBitSet = false;
        if (source.Length >= 2)
        {
            byte second = source[1];
            int lengthCode = second & 0x7F;
            bool isMasked = (second & MaskBit) != 0;
            int size = 2 + (lengthCode < 126 ? 0 : lengthCode == 126 ? 2 : 8) + (isMasked ? 4 : 0);
            if (source.Length >= size)
            {
                long payloadLength;
                int position;
                if (lengthCode < 126)
                {
                    payloadLength = lengthCode;
                    position = 2;
                }
                else if (lengthCode == 126)
                {
                    payloadLength = BinaryPrimitives.ReadUInt16BigEndian(source.Slice(2));
                    position = 4;
                }
                else
                {
                    ulong longLength = BinaryPrimitives.ReadUInt64BigEndian(source.Slice(2));
                    if (longLength > long.MaxValue)
                    {
                        lengthTopBitSet = true;
                        header = default;
                        bytesConsumed = 0;
                        return false;
                    }

                    payloadLength = (long)longLength;
                    position = 10;
                }

                uint maskKey = isMasked ? BinaryPrimitives.ReadUInt32BigEndian(source.Slice(position)) : 0;
                header = new FrameHeader(source[0], isMasked, maskKey, payloadLength);
                bytesConsumed = size;
                return true;
            }
        }

        header = default;
        bytesConsumed = 0;
        return false;
    }

    /// <summary>
    /// Decodes a header from the start of <paramref name="source"/>, which may split it across segments at any byte.
    /// Returns <see langword="false"/> when more bytes are needed; the caller then waits for more and retries.
    /// </summary>
    /// <param name="source">Bytes received, starting at a frame boundary.</param>
    /// <param name="header">The decoded header.</param>
    /// <param name="bytesConsumed">The header's encoded length.</param>
    public static bool TryParse(in ReadOnlySequence<byte> source, out FrameHeader header, out int bytesConsumed)
    {
#if NETSTANDARD2_0
        ReadOnlySpan<byte> first = source.First.Span;
#else
        ReadOnlySpan<byte> first = source.FirstSpan;
#endif
        if (first.Length >= MaxEncodedLength || source.IsSingleSegment)
        {
            return TryParse(first, out header, out bytesConsumed);
        }

        return TryParseMultiSegment(source, out header, out bytesConsumed);
    }

    private static bool TryParseMultiSegment(in ReadOnlySequence<byte> source, out FrameHeader header, out int bytesConsumed)
    {
        // The header is at most 14 bytes: gather that much into one span and decode it there.
        Span<byte> gathered = stackalloc byte[MaxEncodedLength];
        int available = (int)Math.Min(source.Length, MaxEncodedLength);
        source.Slice(0, available).CopyTo(gathered);
        return TryParse(gathered.Slice(0, available), out header, out bytesConsumed);
    }

    /// <summary>Encodes this header into <paramref name="destination"/>; returns <see langword="false"/> when it is too small.</summary>
    /// <param name="destination">Where to write the header.</param>
    /// <param name="bytesWritten">The number of bytes written.</param>
    public bool TryFormat(Span<byte> destination, out int bytesWritten)
    {
        int size = EncodedLength;
        if (destination.Length < size)
        {
            bytesWritten = 0;
            return false;
        }

        bytesWritten = WriteUnchecked(destination);
        return true;
    }

    /// <summary>Encodes this header into <paramref name="destination"/> and returns its length; throws when it is too small.</summary>
    /// <param name="destination">Where to write the header.</param>
    public int Write(Span<byte> destination)
    {
        if (!TryFormat(destination, out int written))
        {
            ThrowHelper.ThrowArgument(nameof(destination), "The destination is too small for the frame header.");
        }

        return written;
    }

    internal int WriteUnchecked(Span<byte> destination)
    {
        byte maskFlag = IsMasked ? MaskBit : (byte)0;
        destination[0] = (byte)((IsFinal ? FinBit : 0) | (byte)ReservedBits | (byte)Opcode);
        int position;
        if (PayloadLength <= 125)
        {
            destination[1] = (byte)(maskFlag | (byte)PayloadLength);
            position = 2;
        }
        else if (PayloadLength <= ushort.MaxValue)
        {
            destination[1] = (byte)(maskFlag | 126);
            BinaryPrimitives.WriteUInt16BigEndian(destination.Slice(2), (ushort)PayloadLength);
            position = 4;
        }
        else
        {
            destination[1] = (byte)(maskFlag | 127);
            BinaryPrimitives.WriteUInt64BigEndian(destination.Slice(2), (ulong)PayloadLength);
            position = 10;
        }

        if (IsMasked)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(position), MaskKey);
            position += 4;
        }

        return position;
    }

    /// <inheritdoc />
    public bool Equals(FrameHeader other) =>
        IsFinal == other.IsFinal && ReservedBits == other.ReservedBits && Opcode == other.Opcode
        && IsMasked == other.IsMasked && MaskKey == other.MaskKey && PayloadLength == other.PayloadLength;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is FrameHeader other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() =>
        (((int)Opcode | ((int)ReservedBits << 4) | (IsFinal ? 1 << 8 : 0) | (IsMasked ? 1 << 9 : 0)) * 397)
        ^ PayloadLength.GetHashCode() ^ (int)MaskKey;

    /// <inheritdoc />
    public override string ToString() =>
        $"{Opcode} fin={IsFinal} rsv={ReservedBits} len={PayloadLength}" + (IsMasked ? $" mask={MaskKey:x8}" : string.Empty);

    /// <summary>Whether two headers are equal field by field.</summary>
    public static bool operator ==(FrameHeader left, FrameHeader right) => left.Equals(right);

    /// <summary>Whether two headers differ in any field.</summary>
    public static bool operator !=(FrameHeader left, FrameHeader right) => !left.Equals(right);
}
