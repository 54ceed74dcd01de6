using System.Net.WebSockets;

namespace WebSocketProtocol.Protocol;

/// <summary>
/// The outcome of one <see cref="ConnectionProtocol.Receive"/> call. Small on purpose: it is returned per message on the hot
/// path; a close's status and reason and a failure's rule stay on the protocol object.
/// </summary>
internal readonly struct ReceiveEvent
{
    private ReceiveEvent(ReceiveEventKind kind, int count, WebSocketMessageType messageType, bool endOfMessage, ProtocolError error)
    {
        Kind = kind;
        Count = count;
        MessageType = messageType;
        EndOfMessage = endOfMessage;
        Error = error;
    }

    /// <summary>What happened.</summary>
    public ReceiveEventKind Kind { get; }

    /// <summary>For <see cref="ReceiveEventKind.MessageData"/>: how many bytes were written to the destination.</summary>
    public int Count { get; }

    /// <summary>For <see cref="ReceiveEventKind.MessageData"/>: text or binary.</summary>
    public WebSocketMessageType MessageType { get; }

    /// <summary>For <see cref="ReceiveEventKind.MessageData"/>: whether these bytes end the message.</summary>
    public bool EndOfMessage { get; }

    /// <summary>For <see cref="ReceiveEventKind.Failed"/>: the rule broken, or why the connection was lost.</summary>
    public ProtocolError Error { get; }

    public static ReceiveEvent NeedMoreData => default;

    public static ReceiveEvent Ping => new(ReceiveEventKind.Ping, 0, default, false, ProtocolError.None);

    public static ReceiveEvent Pong => new(ReceiveEventKind.Pong, 0, default, false, ProtocolError.None);

    public static ReceiveEvent CloseReceived => new(ReceiveEventKind.CloseReceived, 0, WebSocketMessageType.Close, true, ProtocolError.None);

    public static ReceiveEvent Data(int count, WebSocketMessageType messageType, bool endOfMessage) =>
        new(ReceiveEventKind.MessageData, count, messageType, endOfMessage, ProtocolError.None);

    public static ReceiveEvent Failed(ProtocolError error) => new(ReceiveEventKind.Failed, 0, default, false, error);

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        ReceiveEventKind.MessageData => $"{MessageType} {Count} B{(EndOfMessage ? " end" : string.Empty)}",
        ReceiveEventKind.Failed => $"Failed {Error}",
        _ => Kind.ToString(),
    };
}
