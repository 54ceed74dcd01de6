using System;
using System.Buffers;
using WebSocketProtocol.Handshake;

namespace WebSocketProtocol.Extensions.Deflate;

/// <summary>Writes permessage-deflate parameters after an extension name, as <c>; name</c> or <c>; name=bits</c>.</summary>
internal static class DeflateParameterWriter
{
    public static void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> name)
    {
        HttpResponseWriter.Write(output, "; "u8);
        HttpResponseWriter.Write(output, name);
    }

    /// <summary>Writes a window size parameter; <paramref name="bits"/> is 8 to 15, so one or two digits.</summary>
    public static void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> name, int bits)
    {
        Write(output, name);
        Span<byte> value = stackalloc byte[3];
        value[0] = (byte)'=';
        int length = 1;
        if (bits >= 10)
        {
            value[length++] = (byte)'1';
        }

        value[length++] = (byte)('0' + (bits % 10));
        HttpResponseWriter.Write(output, value.Slice(0, length));
    }
}
