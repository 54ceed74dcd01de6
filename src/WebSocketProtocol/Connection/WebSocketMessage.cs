using System.Net.WebSockets;
using System;

namespace WebSocketProtocol.Connection;

/// <summary>A whole received message in the connection's pooled buffer: valid until the next receive on the connection.</summary>
public readonly struct WebSocketMessage
{
    internal WebSocketMessage(WebSocketMessageType messageType, ReadOnlyMemory<byte> data, CloseStatus? closeStatus = null, string? closeReason = null)
    {
        MessageType = messageType;
        Data = data;
        CloseStatus = closeStatus;
        CloseReason = closeReason;
    }

    /// <summary>Text, binary, or close.</summary>
    public WebSocketMessageType MessageType { get; }

    /// <summary>The payload (validated UTF-8 for text); empty for a close.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>For a close: the peer's status.</summary>
    public CloseStatus? CloseStatus { get; }

    /// <summary>For a close: the peer's reason.</summary>
    public string? CloseReason { get; }
}
