using System.Net.WebSockets;
namespace WebSocketProtocol.Connection;

/// <summary>What one streaming receive produced: some bytes of a message, or the peer's close.</summary>
public readonly struct ReceiveResult
{
    internal ReceiveResult(int count, WebSocketMessageType messageType, bool endOfMessage, CloseStatus? closeStatus = null, string? closeReason = null)
    {
        Count = count;
        MessageType = messageType;
        EndOfMessage = endOfMessage;
        CloseStatus = closeStatus;
        CloseReason = closeReason;
    }

    /// <summary>How many bytes were written into the buffer.</summary>
    public int Count { get; }

    /// <summary>Text, binary, or close.</summary>
    public WebSocketMessageType MessageType { get; }

    /// <summary>Whether these bytes end the message.</summary>
    public bool EndOfMessage { get; }

    /// <summary>For a close: the peer's status, or <see cref="WebSocketProtocol.CloseStatus.NoStatusReceived"/> when it gave none.</summary>
    public CloseStatus? CloseStatus { get; }

    /// <summary>For a close: the peer's reason (possibly empty).</summary>
    public string? CloseReason { get; }
}
