namespace WebSocketProtocol.Protocol;

/// <summary>What one call of <see cref="ConnectionProtocol.Receive"/> produced.</summary>
internal enum ReceiveEventKind : byte
{
    /// <summary>The input holds no whole unit more: read more bytes, then call again with what was not consumed.</summary>
    NeedMoreData,

    /// <summary>Bytes of a text or binary message were written to the destination (possibly none, when the message ends).</summary>
    MessageData,

    /// <summary>A ping arrived; its pong is owed (<see cref="ConnectionProtocol.WriteOwedFrames"/>).</summary>
    Ping,

    /// <summary>A pong arrived (answering a keepalive ping, or unsolicited).</summary>
    Pong,

    /// <summary>The peer's close frame arrived (<see cref="ConnectionProtocol.PeerCloseStatus"/>); the answer is owed unless ours went first.</summary>
    CloseReceived,

    /// <summary>The connection failed (<see cref="ConnectionProtocol.Failure"/>); input is discarded from now on.</summary>
    Failed,
}
