using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Framing;
using WebSocketProtocol.Tests.Support;
using Xunit;

namespace WebSocketProtocol.Tests.Hardening;

/// <summary>
/// The test playing a hostile client on a raw loopback socket: it writes exactly the bytes a test chooses (requests,
/// frames, fragments of either) and reads the server's answers byte by byte, with no WebSocket library in the way.
/// Every read has a deadline (<see cref="Bound"/>), so a server that hangs fails the test instead of stalling it.
/// </summary>
internal sealed class HostilePeer : IDisposable
{
    /// <summary>How long any single expected answer may take: generous, since the machine may be loaded.</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private readonly Socket _socket;
    private byte[] _received = new byte[64 * 1024];
    private int _start;
    private int _end;

    private HostilePeer(Socket socket) => _socket = socket;

    public Socket Socket => _socket;

    /// <summary>Opens a TCP connection to the server; <paramref name="receiveBufferSize"/> shrinks the kernel's receive buffer, for a peer that reads slowly.</summary>
    public static async Task<HostilePeer> ConnectAsync(int port, int? receiveBufferSize = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (receiveBufferSize is { } size)
            {
                socket.ReceiveBufferSize = size;
            }

            using var deadline = new CancellationTokenSource(Bound);
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), deadline.Token);
            return new HostilePeer(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Connects, sends a valid upgrade for <paramref name="path"/> (plus <paramref name="extraHeaders"/>) and checks the 101 and its accept value.</summary>
    public static async Task<(HostilePeer Peer, HttpResponseHead Response)> UpgradeAsync(int port, string path, params string[] extraHeaders)
    {
        HostilePeer peer = await ConnectAsync(port);
        try
        {
            return (peer, await peer.UpgradeAsync(path, extraHeaders));
        }
        catch
        {
            peer.Dispose();
            throw;
        }
    }

    /// <summary>Sends a valid upgrade for <paramref name="path"/> (plus <paramref name="extraHeaders"/>) and checks the 101 and its accept value.</summary>
    public async Task<HttpResponseHead> UpgradeAsync(string path, params string[] extraHeaders)
    {
        string key = NewKey();
        int port = ((IPEndPoint)_socket.RemoteEndPoint!).Port;
        await SendAsync(UpgradeRequest(path, port, key, extraHeaders));
        HttpResponseHead response = await ReadResponseHeadAsync();
        Assert.True(response.Status == 101, $"Expected 101 for {path}, got {response.StatusLine}");
        Assert.Equal(ExpectedAccept(key), response.Header("Sec-WebSocket-Accept"));
        return response;
    }

    /// <summary>A fresh random Sec-WebSocket-Key: 16 random bytes in base64.</summary>
    public static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));

    /// <summary>The Sec-WebSocket-Accept for <paramref name="key"/>, computed here from RFC 6455 section 4.2.2 (not by the library).</summary>
    public static string ExpectedAccept(string key) =>
        Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));

    /// <summary>A well-formed upgrade request head, with <paramref name="extraHeaders"/> (whole lines without CRLF) before its empty line; Latin-1, so a test can put any byte in.</summary>
    public static byte[] UpgradeRequest(string path, int port, string key, params string[] extraHeaders)
    {
        var head = new StringBuilder();
        head.Append(CultureInfo.InvariantCulture, $"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n");
        head.Append(CultureInfo.InvariantCulture, $"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n");
        foreach (string line in extraHeaders)
        {
            head.Append(line).Append("\r\n");
        }

        return Encoding.Latin1.GetBytes(head.Append("\r\n").ToString());
    }

    /// <summary>A client frame as the RFC wants it (masked with a random key) unless the test says otherwise.</summary>
    public static byte[] Frame(Opcode opcode, ReadOnlySpan<byte> payload, bool isFinal = true, ReservedBits reservedBits = ReservedBits.None, bool masked = true) =>
        FrameBytes.Encode(new FrameHeader(opcode, payload.Length, isFinal, reservedBits, masked, masked ? RandomMaskKey() : 0), payload);

    /// <summary>A masked close frame carrying <paramref name="code"/> (two bytes, whatever their value) and <paramref name="reason"/> as given.</summary>
    public static byte[] CloseFrame(ushort code, ReadOnlySpan<byte> reason = default)
    {
        var body = new byte[2 + reason.Length];
        BinaryPrimitives.WriteUInt16BigEndian(body, code);
        reason.CopyTo(body.AsSpan(2));
        return Frame(Opcode.Close, body);
    }

    public static uint RandomMaskKey() => BinaryPrimitives.ReadUInt32BigEndian(RandomNumberGenerator.GetBytes(4));

    public async Task SendAsync(ReadOnlyMemory<byte> bytes)
    {
        using var deadline = new CancellationTokenSource(Bound);
        while (!bytes.IsEmpty)
        {
            int sent = await _socket.SendAsync(bytes, SocketFlags.None, deadline.Token);
            bytes = bytes.Slice(sent);
        }
    }

    /// <summary>Sends what it can; false once the server has closed or reset the connection (a refusal mid-request is expected).</summary>
    public async Task<bool> TrySendAsync(ReadOnlyMemory<byte> bytes)
    {
        try
        {
            await SendAsync(bytes);
            return true;
        }
        catch (SocketException exception) when (IsClosedByPeer(exception.SocketErrorCode))
        {
            return false;
        }
    }

    /// <summary>Reads an HTTP response head, leaving any bytes after its empty line buffered for the frames that follow.</summary>
    public async Task<HttpResponseHead> ReadResponseHeadAsync()
    {
        while (true)
        {
            int end = _received.AsSpan(_start, _end - _start).IndexOf("\r\n\r\n"u8);
            if (end >= 0)
            {
                string head = Encoding.Latin1.GetString(_received, _start, end);
                _start += end + 4;
                return HttpResponseHead.Parse(head);
            }

            Assert.True(_end - _start < 16 * 1024, "The response head is longer than 16 KiB.");
            if (await FillAsync() == 0)
            {
                string partial = Encoding.Latin1.GetString(_received, _start, _end - _start);
                throw new Xunit.Sdk.XunitException($"The server closed the connection before a whole response head: '{partial}'.");
            }
        }
    }

    /// <summary>
    /// Reads a refusal: the error response's head, then exactly its Content-Length of body, then the end of the
    /// connection (the server closes after refusing).
    /// </summary>
    public async Task<HttpResponseHead> ReadRefusalAsync()
    {
        HttpResponseHead response = await ReadResponseHeadAsync();
        // "close", with "Upgrade" before it on a 426 (RFC 9110 section 15.5.22).
        Assert.EndsWith("close", response.Header("Connection"), StringComparison.Ordinal);
        int length = int.Parse(response.Header("Content-Length") ?? "-1", CultureInfo.InvariantCulture);
        await ReadExactlyAsync(length);
        _start += length;
        await ExpectEndAsync();
        return response;
    }

    /// <summary>The next whole frame from the server; fails on a masked one (RFC 6455 section 5.1).</summary>
    public async Task<ServerFrame> ReadFrameAsync()
    {
        await ReadExactlyAsync(2);
        byte first = _received[_start], second = _received[_start + 1];
        Assert.True((second & 0x80) == 0, "The server sent a masked frame.");
        int headerLength = (second & 0x7F) switch { 126 => 4, 127 => 10, _ => 2 };
        await ReadExactlyAsync(headerLength);
        long length = (second & 0x7F) switch
        {
            126 => BinaryPrimitives.ReadUInt16BigEndian(_received.AsSpan(_start + 2)),
            127 => BinaryPrimitives.ReadInt64BigEndian(_received.AsSpan(_start + 2)),
            _ => second & 0x7F,
        };
        Assert.InRange(length, 0, 64L * 1024 * 1024);
        _start += headerLength;
        await ReadExactlyAsync((int)length);
        byte[] payload = _received.AsSpan(_start, (int)length).ToArray();
        _start += (int)length;
        return new ServerFrame((Opcode)(first & 0x0F), (first & 0x80) != 0, (ReservedBits)(first & 0x70), payload);
    }

    /// <summary>Frames until the server's close frame, which is returned; pings are left unanswered, other frames go to <paramref name="skipped"/>.</summary>
    public async Task<ServerFrame> ReadUntilCloseAsync(List<ServerFrame>? skipped = null)
    {
        while (true)
        {
            ServerFrame frame;
            try
            {
                frame = await ReadFrameAsync();
            }
            catch (SocketException exception) when (IsClosedByPeer(exception.SocketErrorCode))
            {
                throw new Xunit.Sdk.XunitException($"The connection was reset before a close frame arrived (after {skipped?.Count ?? 0} frames).");
            }

            if (frame.Opcode == Opcode.Close)
            {
                return frame;
            }

            skipped?.Add(frame);
        }
    }

    /// <summary>The clear outcome of a protocol violation: a close frame with <paramref name="code"/>, then the server ends the TCP connection.</summary>
    public async Task ExpectCloseAsync(int code, List<ServerFrame>? skipped = null)
    {
        ServerFrame close = await ReadUntilCloseAsync(skipped);
        Assert.True(close.CloseCode == code, $"Expected close code {code}, got {close} '{(close.Payload.Length > 2 ? Encoding.UTF8.GetString(close.Payload, 2, close.Payload.Length - 2) : string.Empty)}'.");
        await ExpectEndAsync();
    }

    /// <summary>
    /// The server ends the connection: the read returns end of stream, or a reset when the server closed with our bytes
    /// still unread. Nothing more may arrive before that.
    /// </summary>
    public async Task ExpectEndAsync()
    {
        Assert.True(_end == _start, $"{_end - _start} unexpected bytes arrived before the end of the connection.");
        int read;
        try
        {
            read = await FillAsync();
        }
        catch (SocketException exception) when (IsClosedByPeer(exception.SocketErrorCode))
        {
            return;
        }

        Assert.True(read == 0, $"{read} unexpected bytes arrived instead of the end of the connection.");
    }

    /// <summary>Every frame the server still sends until it ends the connection (end of stream or reset), whatever they are.</summary>
    public async Task<List<ServerFrame>> ReadUntilEndAsync()
    {
        var frames = new List<ServerFrame>();
        try
        {
            while (true)
            {
                if (_end == _start && await FillAsync() == 0)
                {
                    return frames;
                }

                frames.Add(await ReadFrameAsync());
            }
        }
        catch (SocketException exception) when (IsClosedByPeer(exception.SocketErrorCode))
        {
            return frames;
        }
        catch (Xunit.Sdk.XunitException exception) when (exception.Message.StartsWith("The server closed the connection with", StringComparison.Ordinal))
        {
            // The end came inside a frame the server could not finish writing.
            return frames;
        }
    }

    /// <summary>Whether the server has ended the connection by now (end of stream or reset), without waiting.</summary>
    public bool HasEnded()
    {
        try
        {
            if (!_socket.Poll(0, SelectMode.SelectRead))
            {
                return false;
            }

            return _socket.Available == 0;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    public void Dispose() => _socket.Dispose();

    /// <summary>Drops the connection with a reset (SO_LINGER 0) instead of a FIN, as a crashed or killed client would.</summary>
    public void Reset()
    {
        _socket.LingerState = new LingerOption(true, 0);
        _socket.Dispose();
    }

    private static bool IsClosedByPeer(SocketError error) =>
        error is SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown or SocketError.NotConnected;

    private async Task ReadExactlyAsync(int count)
    {
        while (_end - _start < count)
        {
            if (await FillAsync() == 0)
            {
                throw new Xunit.Sdk.XunitException($"The server closed the connection with {_end - _start} of {count} expected bytes.");
            }
        }
    }

    /// <summary>Reads once into the buffer (growing or compacting it); returns the count read, 0 at the end of the stream.</summary>
    private async Task<int> FillAsync()
    {
        if (_start > 0 && _start == _end)
        {
            _start = _end = 0;
        }

        if (_end == _received.Length)
        {
            if (_start > 0)
            {
                Buffer.BlockCopy(_received, _start, _received, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            else
            {
                Array.Resize(ref _received, _received.Length * 2);
            }
        }

        using var deadline = new CancellationTokenSource(Bound);
        try
        {
            int read = await _socket.ReceiveAsync(_received.AsMemory(_end), SocketFlags.None, deadline.Token);
            _end += read;
            return read;
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new TimeoutException($"The server sent nothing for {Bound.TotalSeconds} s.");
        }
    }
}
