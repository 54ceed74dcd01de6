using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace WebSocketProtocol.Tests.AspNetCore;

/// <summary>Just enough of HTTP/2's framing (RFC 9113 sections 3.4, 4.1 and 6.5) to read what a server announces first.</summary>
internal static class RawHttp2
{
    private const byte SettingsType = 0x4;
    private const byte AckFlag = 0x1;

    /// <summary>
    /// Opens a cleartext connection with prior knowledge (the preface and an empty SETTINGS frame) and returns the
    /// parameters of the server's first SETTINGS frame, by identifier.
    /// </summary>
    public static async Task<IReadOnlyDictionary<int, uint>> ReadServerSettingsAsync(int port, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        byte[] preface = Encoding.ASCII.GetBytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
        byte[] emptySettings = { 0, 0, 0, SettingsType, 0, 0, 0, 0, 0 };
        await stream.WriteAsync(preface, cancellationToken);
        await stream.WriteAsync(emptySettings, cancellationToken);

        var header = new byte[9];
        while (true)
        {
            await stream.ReadExactlyAsync(header, cancellationToken);
            int length = (header[0] << 16) | (header[1] << 8) | header[2];
            var payload = new byte[length];
            await stream.ReadExactlyAsync(payload, cancellationToken);
            if (header[3] != SettingsType || (header[4] & AckFlag) != 0)
            {
                continue;
            }

            // Each parameter: a 16-bit identifier and a 32-bit value.
            var settings = new Dictionary<int, uint>();
            for (int offset = 0; offset + 6 <= length; offset += 6)
            {
                settings[BinaryPrimitives.ReadUInt16BigEndian(payload.AsSpan(offset))] = BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(offset + 2));
            }

            return settings;
        }
    }
}
