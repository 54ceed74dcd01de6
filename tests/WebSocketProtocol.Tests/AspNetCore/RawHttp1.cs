using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace WebSocketProtocol.Tests.AspNetCore;

/// <summary>
/// HTTP/1.1 requests written byte for byte on a loopback socket, for handshakes no client library would send (a wrong
/// version, a missing Connection token).
/// </summary>
internal static class RawHttp1
{
    /// <summary>A valid upgrade request for <paramref name="path"/> (the RFC 6455 example key) with <paramref name="replacedVersion"/> instead of version 13 when given.</summary>
    public static string Upgrade(string path, int port, string? replacedVersion = null) =>
        string.Create(CultureInfo.InvariantCulture, $"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n")
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        + (replacedVersion ?? "Sec-WebSocket-Version: 13") + "\r\n\r\n";

    /// <summary>Sends <paramref name="request"/> and reads the response head and its Content-Length body.</summary>
    public static async Task<RawResponse> SendAsync(int port, string request, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request), cancellationToken);

        var received = new List<byte>();
        var buffer = new byte[4096];
        int headEnd;
        while ((headEnd = IndexOfHeadEnd(received)) < 0)
        {
            int read = await stream.ReadAsync(buffer, cancellationToken);
            if (read == 0)
            {
                throw new EndOfStreamException("The server closed the connection before its response head was complete.");
            }

            received.AddRange(buffer.AsSpan(0, read).ToArray());
        }

        string[] lines = Encoding.Latin1.GetString(received.GetRange(0, headEnd).ToArray()).Split("\r\n");
        int status = int.Parse(lines[0].Split(' ')[1], CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 1; i < lines.Length; i++)
        {
            int colon = lines[i].IndexOf(':', StringComparison.Ordinal);
            headers[lines[i][..colon]] = lines[i][(colon + 1)..].Trim();
        }

        int length = headers.TryGetValue("Content-Length", out string? declared) ? int.Parse(declared, CultureInfo.InvariantCulture) : 0;
        while (received.Count < headEnd + 4 + length)
        {
            int read = await stream.ReadAsync(buffer, cancellationToken);
            if (read == 0)
            {
                throw new EndOfStreamException("The server closed the connection before the response body was complete.");
            }

            received.AddRange(buffer.AsSpan(0, read).ToArray());
        }

        return new RawResponse(status, headers, Encoding.UTF8.GetString(received.GetRange(headEnd + 4, length).ToArray()));
    }

    private static int IndexOfHeadEnd(List<byte> bytes)
    {
        for (int i = 0; i + 3 < bytes.Count; i++)
        {
            if (bytes[i] == '\r' && bytes[i + 1] == '\n' && bytes[i + 2] == '\r' && bytes[i + 3] == '\n')
            {
                return i;
            }
        }

        return -1;
    }
}
