using System;
using System.IO;
using System.IO.Compression;

namespace WebSocketProtocol.Tests.Extensions.Deflate;

/// <summary>The platform's zlib, as an independent peer implementation of permessage-deflate's payload format.</summary>
internal static class Zlib
{
    private static readonly byte[] Tail = { 0x00, 0x00, 0xFF, 0xFF };

    /// <summary>Compresses one message the way RFC 7692 section 7.2.1 says: sync flush, then the 4-byte tail removed.</summary>
    public static byte[] CompressMessage(byte[] message, CompressionLevel level = CompressionLevel.Optimal)
    {
        var output = new MemoryStream();
        using (var deflate = new DeflateStream(output, level, leaveOpen: true))
        {
            deflate.Write(message);
            deflate.Flush();
        }

        // Disposing adds a final empty block after the sync flush; the message ends before it.
        byte[] all = output.ToArray();
        int end = LastIndexOfTail(all);
        return all.AsSpan(0, end).ToArray();
    }

    /// <summary>Compresses with a final block (BFINAL) and no sync flush, as some peers without context takeover do.</summary>
    public static byte[] CompressWithFinalBlock(byte[] message)
    {
        var output = new MemoryStream();
        using (var deflate = new DeflateStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            deflate.Write(message);
        }

        return output.ToArray();
    }

    /// <summary>Inflates one message's payload on its own (no context before it), with the tail put back (section 7.2.2).</summary>
    public static byte[] InflateMessage(byte[] payload)
    {
        using var receiver = new ZlibReceiver();
        return receiver.Receive(payload);
    }

    private static int LastIndexOfTail(byte[] data)
    {
        for (int i = data.Length - Tail.Length; i >= 0; i--)
        {
            if (data.AsSpan(i, Tail.Length).SequenceEqual(Tail))
            {
                return i;
            }
        }

        throw new InvalidOperationException("zlib wrote no sync flush.");
    }
}
