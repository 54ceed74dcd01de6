using System;
using System.Net.WebSockets;
using System.Runtime.InteropServices;
using System.Text;

namespace WebSocketProtocol.Connection;

/// <summary>
/// A whole received message: a lease on a pooled buffer that holds it. The bytes never change while the lease is held,
/// however many messages are received meanwhile; <see cref="Dispose"/> gives the buffer back for a later message (do so
/// once done, as <c>using var message = await connection.ReceiveMessageAsync();</c> does; a message never disposed is
/// simply collected, at the cost of a pooled buffer). Reading a disposed message throws
/// <see cref="ObjectDisposedException"/> rather than returning another message's bytes; disposing twice, or disposing a
/// copy, is harmless. <see cref="ToArray"/> makes a copy that outlives the lease.
/// </summary>
public readonly struct WebSocketMessage : IDisposable
{
    private readonly MessageBuffer? _buffer;
    private readonly int _version;

    internal WebSocketMessage(MessageBuffer buffer, WebSocketMessageType messageType)
    {
        _buffer = buffer;
        _version = buffer.Version;
        MessageType = messageType;
        CloseStatus = null;
        CloseReason = null;
        AbnormalClosureReason = ProtocolError.None;
    }

    internal WebSocketMessage(ReceiveResult close)
    {
        _buffer = null;
        _version = 0;
        MessageType = WebSocketMessageType.Close;
        CloseStatus = close.CloseStatus;
        CloseReason = close.CloseReason;
        AbnormalClosureReason = close.AbnormalClosureReason;
    }

    /// <summary>Text, binary, or close (the peer's close frame, or the end of a lost connection).</summary>
    public WebSocketMessageType MessageType { get; }

    /// <summary>The payload (validated UTF-8 for text); empty for a close.</summary>
    /// <exception cref="ObjectDisposedException">The message was disposed.</exception>
    public ReadOnlyMemory<byte> Data => _buffer is null ? ReadOnlyMemory<byte>.Empty : _buffer.GetMemory(_version);

    /// <summary>The payload as a span; see <see cref="Data"/>.</summary>
    /// <exception cref="ObjectDisposedException">The message was disposed.</exception>
    public ReadOnlySpan<byte> Span => Data.Span;

    /// <summary>
    /// For a close: the peer's status (<see cref="WebSocketProtocol.CloseStatus.NoStatusReceived"/> when it gave none), or
    /// <see cref="WebSocketProtocol.CloseStatus.AbnormalClosure"/> when the connection was lost without a close frame.
    /// </summary>
    public CloseStatus? CloseStatus { get; }

    /// <summary>For a close: the peer's reason (possibly empty).</summary>
    public string? CloseReason { get; }

    /// <summary>
    /// For a close with <see cref="WebSocketProtocol.CloseStatus.AbnormalClosure"/>: why the connection ended without the peer's
    /// close frame (RFC 6455 section 7.1.5): <see cref="ProtocolError.ConnectionLost"/> or
    /// <see cref="ProtocolError.TruncatedFrame"/> when the transport ended, or a timer of this side's
    /// (<see cref="ProtocolError.KeepAliveTimeout"/>, <see cref="ProtocolError.FrameTimeout"/>,
    /// <see cref="ProtocolError.IdleTimeout"/>), whose close code went to the peer if it could
    /// (<see cref="ProtocolErrorExtensions.ToCloseStatus"/>). <see cref="ProtocolError.None"/> otherwise.
    /// </summary>
    public ProtocolError AbnormalClosureReason { get; }

    /// <summary>Decodes the payload as UTF-8 (a text message is valid UTF-8 already).</summary>
    /// <exception cref="ObjectDisposedException">The message was disposed.</exception>
    public string GetText()
    {
        ReadOnlyMemory<byte> data = Data;
        if (data.IsEmpty)
        {
            return string.Empty;
        }

        // Message memory is always an array (pooled, or the holder's own).
        MemoryMarshal.TryGetArray(data, out ArraySegment<byte> bytes);
        return Encoding.UTF8.GetString(bytes.Array!, bytes.Offset, bytes.Count);
    }

    /// <summary>Copies the payload into a new array, which stays valid after <see cref="Dispose"/>.</summary>
    /// <exception cref="ObjectDisposedException">The message was disposed.</exception>
    public byte[] ToArray() => Data.ToArray();

    /// <summary>Gives the message's buffer back to the connection's pool; the message cannot be read afterwards.</summary>
    public void Dispose() => _buffer?.Release(_version);
}
