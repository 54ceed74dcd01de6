using System.Buffers;
using WebSocketProtocol.Framing;

namespace WebSocketProtocol.LoadTool;

/// <summary>Cuts whole frames off the front of what a member's socket has delivered.</summary>
internal static class WireFrames
{
    /// <summary>Takes one whole frame off <paramref name="buffer"/>; false when more bytes are needed.</summary>
    public static bool TryTake(ref ReadOnlySequence<byte> buffer, out FrameHeader header, out ReadOnlySequence<byte> payload)
    {
        payload = default;
        if (!FrameHeader.TryParse(buffer, out header, out int headerLength) || buffer.Length - headerLength < header.PayloadLength)
        {
            return false;
        }

        payload = buffer.Slice(headerLength, header.PayloadLength);
        buffer = buffer.Slice(payload.End);
        return true;
    }
}
