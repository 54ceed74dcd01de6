using System;
using System.Buffers;
using System.Runtime.InteropServices;

namespace WebSocketProtocol.Framing;

/// <summary>
/// A frame, or a piece of one, as <see cref="FrameReader"/> hands it out: the header and a zero-copy slice of the pipe's
/// buffer holding the payload exactly as it arrived (still masked when <see cref="FrameHeader.IsMasked"/>).
/// Valid until the next call on the reader.
/// </summary>
public readonly struct Frame
{
    /// <summary>Creates a frame view; <paramref name="payloadOffset"/> is where <paramref name="payload"/> starts within the frame's payload.</summary>
    public Frame(FrameHeader header, ReadOnlySequence<byte> payload, long payloadOffset = 0)
    {
        Header = header;
        Payload = payload;
        PayloadOffset = payloadOffset;
    }

    /// <summary>The frame's header.</summary>
    public FrameHeader Header { get; }

    /// <summary>The payload bytes as on the wire: masked if the header says so. Use <see cref="CopyPayloadTo(Span{byte})"/> to get them unmasked.</summary>
    public ReadOnlySequence<byte> Payload { get; }

    /// <summary>The position of <see cref="Payload"/>'s first byte within the whole frame payload (non-zero for pieces of a streamed frame).</summary>
    public long PayloadOffset { get; }

    /// <summary>Whether <see cref="Payload"/> reaches the end of the frame's payload.</summary>
    public bool IsPayloadComplete => PayloadOffset + Payload.Length == Header.PayloadLength;

    /// <summary>
    /// Copies <see cref="Payload"/> into <paramref name="destination"/>, unmasking it on the way, and returns the byte count.
    /// The pipe's buffer is never written to.
    /// </summary>
    /// <param name="destination">At least <see cref="Payload"/>'s length.</param>
    public int CopyPayloadTo(Span<byte> destination) => CopyPayloadTo(destination, out _);

    /// <summary>
    /// As <see cref="CopyPayloadTo(Span{byte})"/>; <paramref name="isAscii"/> is true when the unmasking pass found every
    /// byte to be ASCII (false means not known, for an unmasked payload, or not ASCII).
    /// </summary>
    internal int CopyPayloadTo(Span<byte> destination, out bool isAscii)
    {
        isAscii = false;
        long length = Payload.Length;
        if (destination.Length < length)
        {
            ThrowHelper.ThrowArgument(nameof(destination), "The destination is shorter than the payload.");
        }

        // An array-backed payload (what pipes hand out) gives its span without the checks of First.
        ReadOnlySequence<byte> payload = Payload;
        if (SequenceMarshal.TryGetArray(payload, out ArraySegment<byte> array) || payload.IsSingleSegment)
        {
#if NETSTANDARD2_0
            ReadOnlySpan<byte> span = array.Array is not null ? array : payload.First.Span;
#else
            ReadOnlySpan<byte> span = array.Array is not null ? array : payload.FirstSpan;
#endif
            if (Header.IsMasked)
            {
                PayloadMask.ApplyAndCheckAscii(span, destination, Header.MaskKey, (int)(PayloadOffset & 3), out isAscii);
            }
            else
            {
                span.CopyTo(destination);
            }

            return span.Length;
        }

        if (!Header.IsMasked)
        {
            Payload.CopyTo(destination);
            return (int)length;
        }

        int phase = (int)(PayloadOffset & 3);
        int written = 0;
        isAscii = true;
        foreach (ReadOnlyMemory<byte> segment in Payload)
        {
            phase = PayloadMask.ApplyAndCheckAscii(segment.Span, destination.Slice(written), Header.MaskKey, phase, out bool segmentIsAscii);
            isAscii &= segmentIsAscii;
            written += segment.Length;
        }

        return written;
    }
}
