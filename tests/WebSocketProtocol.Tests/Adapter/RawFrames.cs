using System;
using System.Buffers.Binary;
using System.IO;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;

namespace WebSocketProtocol.Tests.Adapter;

/// <summary>Frames written and read byte by byte on a raw stream, for a peer that plays what no WebSocket would send.</summary>
internal static class RawFrames
{
    public const byte Text = 0x1;
    public const byte Binary = 0x2;
    public const byte Continuation = 0x0;
    public const byte Close = 0x8;

    /// <summary>Writes one frame of at most 125 bytes, masked with a random key when <paramref name="masked"/>.</summary>
    public static async Task WriteAsync(Stream stream, byte opcode, bool fin, byte[] payload, bool masked, CancellationToken cancellationToken)
    {
        if (payload.Length > 125)
        {
            throw new ArgumentOutOfRangeException(nameof(payload), "These raw frames use the 7-bit length only.");
        }

        var frame = new byte[2 + (masked ? 4 : 0) + payload.Length];
        frame[0] = (byte)((fin ? 0x80 : 0) | opcode);
        frame[1] = (byte)((masked ? 0x80 : 0) | payload.Length);
        int offset = 2;
        byte[] key = new byte[4];
        if (masked)
        {
            RandomNumberGenerator.Fill(key);
            key.CopyTo(frame, 2);
            offset = 6;
        }

        for (int i = 0; i < payload.Length; i++)
        {
            frame[offset + i] = (byte)(payload[i] ^ key[i & 3]);
        }

        await stream.WriteAsync(frame, cancellationToken);
        await stream.FlushAsync(cancellationToken);
    }

    /// <summary>Reads the next frame: its first header byte (FIN, RSV and opcode) and its unmasked payload.</summary>
    public static async Task<(byte First, byte[] Payload)> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        byte[] head = new byte[2];
        await stream.ReadExactlyAsync(head, cancellationToken);
        bool masked = (head[1] & 0x80) != 0;
        long length = head[1] & 0x7F;
        if (length == 126)
        {
            byte[] extended = new byte[2];
            await stream.ReadExactlyAsync(extended, cancellationToken);
            length = BinaryPrimitives.ReadUInt16BigEndian(extended);
        }
        else if (length == 127)
        {
            byte[] extended = new byte[8];
            await stream.ReadExactlyAsync(extended, cancellationToken);
            length = BinaryPrimitives.ReadInt64BigEndian(extended);
        }

        byte[] key = new byte[4];
        if (masked)
        {
            await stream.ReadExactlyAsync(key, cancellationToken);
        }

        byte[] payload = new byte[length];
        await stream.ReadExactlyAsync(payload, cancellationToken);
        for (int i = 0; i < payload.Length; i++)
        {
            payload[i] ^= key[i & 3];
        }

        return (head[0], payload);
    }

    /// <summary>Reads frames until a close frame and returns its status code (or null for an empty body).</summary>
    public static async Task<ushort?> ReadCloseCodeAsync(Stream stream, CancellationToken cancellationToken)
    {
        while (true)
        {
            (byte first, byte[] payload) = await ReadAsync(stream, cancellationToken);
            if ((first & 0x0F) == Close)
            {
                return payload.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(payload) : null;
            }
        }
    }
}
