using System;
using System.Collections.Generic;
using System.IO.Pipelines;
using System.Threading.Tasks;
using WebSocketProtocol.Framing;

namespace WebSocketProtocol.Tests.Support;

/// <summary>Encodes frames independently of <see cref="FrameWriter"/> and reads them back, for tests on either side.</summary>
internal static class FrameBytes
{
    /// <summary>Header then payload, masked with a naive byte loop when the header says so.</summary>
    public static byte[] Encode(FrameHeader header, ReadOnlySpan<byte> payload)
    {
        var bytes = new byte[header.EncodedLength + payload.Length];
        int headerLength = header.Write(bytes);
        payload.CopyTo(bytes.AsSpan(headerLength));
        if (header.IsMasked)
        {
            NaiveMask(bytes.AsSpan(headerLength), header.MaskKey, 0);
        }

        return bytes;
    }

    public static byte[] Concat(IEnumerable<byte[]> parts)
    {
        var all = new List<byte>();
        foreach (byte[] part in parts)
        {
            all.AddRange(part);
        }

        return all.ToArray();
    }

    /// <summary>The reference masking: one byte at a time, straight from RFC 6455 section 5.3.</summary>
    public static void NaiveMask(Span<byte> data, uint maskKey, int offset)
    {
        Span<byte> key = stackalloc byte[4];
        key[0] = (byte)(maskKey >> 24);
        key[1] = (byte)(maskKey >> 16);
        key[2] = (byte)(maskKey >> 8);
        key[3] = (byte)maskKey;
        for (int i = 0; i < data.Length; i++)
        {
            data[i] ^= key[(offset + i) & 3];
        }
    }

    /// <summary>Reads every whole frame from <paramref name="reader"/> until the input ends, unmasked.</summary>
    public static async Task<List<(FrameHeader Header, byte[] Payload)>> ReadAllAsync(FrameReader reader)
    {
        var frames = new List<(FrameHeader, byte[])>();
        while (await reader.ReadFrameAsync())
        {
            Frame frame = reader.Current;
            var payload = new byte[frame.Payload.Length];
            frame.CopyPayloadTo(payload);
            frames.Add((frame.Header, payload));
        }

        return frames;
    }

    /// <summary>Reads every frame from <paramref name="reader"/> in pieces (header, then payload as it arrives), unmasked.</summary>
    public static async Task<List<(FrameHeader Header, byte[] Payload)>> ReadAllInPiecesAsync(FrameReader reader)
    {
        var frames = new List<(FrameHeader, byte[])>();
        while (await reader.ReadHeaderAsync())
        {
            FrameHeader header = reader.Current.Header;
            var payload = new byte[header.PayloadLength];
            while (await reader.ReadPayloadAsync())
            {
                Frame piece = reader.Current;
                piece.CopyPayloadTo(payload.AsSpan((int)piece.PayloadOffset));
            }

            frames.Add((header, payload));
        }

        return frames;
    }

    /// <summary>A pipe whose writer never pauses, so whole frames of any size fit.</summary>
    public static Pipe UnboundedPipe() => new(new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false));
}
