using System;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Handshake;

namespace WebSocketProtocol.LoadTool;

/// <summary>
/// The client's opening handshake done by hand on a raw socket: a minimal upgrade request, then the response head read
/// up to its blank line and checked for <c>101</c> and the right <c>Sec-WebSocket-Accept</c> (<see cref="WebSocketAccept"/>).
/// Only loopback addresses are dialled.
/// </summary>
public static class RawHandshake
{
    private const int MaxResponseHead = 8 * 1024;

    /// <summary>Connects to <paramref name="url"/> (a loopback <c>ws://</c> URL) and completes the handshake; returns the socket ready for frames.</summary>
    /// <exception cref="ArgumentException">The host is not a loopback address.</exception>
    /// <exception cref="InvalidOperationException">The server did not accept the upgrade, or sent bytes after its response head.</exception>
    public static async Task<Socket> ConnectAsync(Uri url, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        IPAddress address = LoopbackAddress(url);
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new IPEndPoint(address, url.Port), cancellationToken).ConfigureAwait(false);
            byte[] key = new byte[WebSocketAccept.KeyLength];
            WebSocketAccept.GenerateKey(key);
            string request =
                $"GET {url.PathAndQuery} HTTP/1.1\r\nHost: {url.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                $"Sec-WebSocket-Key: {Encoding.ASCII.GetString(key)}\r\nSec-WebSocket-Version: 13\r\n\r\n";
            await socket.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            string head = await ReadHeadAsync(socket, cancellationToken).ConfigureAwait(false);
            Validate(head, key);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The address to dial: <c>localhost</c> is 127.0.0.1; anything else must be a loopback address.</summary>
    public static IPAddress LoopbackAddress(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        IPAddress address = url.IsLoopback && url.Host == "localhost" ? IPAddress.Loopback
            : IPAddress.TryParse(url.IdnHost, out IPAddress? parsed) ? parsed : IPAddress.None;
        if (!IPAddress.IsLoopback(address))
        {
            throw new ArgumentException($"Only loopback addresses are allowed, not {url.Host}.", nameof(url));
        }

        return address;
    }

    // Reads one byte at a time past the first chunk's end would be slow; the head arrives in one segment in practice, and
    // any byte after the blank line is refused, since the server has nothing to send before the first frame.
    private static async Task<string> ReadHeadAsync(Socket socket, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[MaxResponseHead];
        int length = 0;
        while (true)
        {
            int read = await socket.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new InvalidOperationException("The server closed the connection during the handshake.");
            }

            length += read;
            int end = buffer.AsSpan(0, length).IndexOf("\r\n\r\n"u8);
            if (end >= 0)
            {
                if (end + 4 != length)
                {
                    throw new InvalidOperationException("The server sent bytes after its 101 response before any frame was sent.");
                }

                return Encoding.ASCII.GetString(buffer, 0, end);
            }

            if (length == buffer.Length)
            {
                throw new InvalidOperationException($"The response head is longer than {MaxResponseHead} bytes.");
            }
        }
    }

    private static void Validate(string head, byte[] key)
    {
        string[] lines = head.Split("\r\n");
        if (!lines[0].StartsWith("HTTP/1.1 101", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The server answered '{lines[0]}' instead of 101.");
        }

        byte[] expected = new byte[WebSocketAccept.AcceptLength];
        WebSocketAccept.ComputeAccept(key, expected);
        foreach (string line in lines)
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line.AsSpan(0, colon).Equals("Sec-WebSocket-Accept", StringComparison.OrdinalIgnoreCase))
            {
                if (line.AsSpan(colon + 1).Trim().SequenceEqual(Encoding.ASCII.GetString(expected)))
                {
                    return;
                }

                throw new InvalidOperationException($"Wrong Sec-WebSocket-Accept: '{line}'.");
            }
        }

        throw new InvalidOperationException("The 101 response has no Sec-WebSocket-Accept.");
    }
}
