using System;
using WebSocketProtocol.Protocol;

namespace WebSocketProtocol.Connection;

/// <summary>The protocol's destination when a whole message is received: the message's own <see cref="MessageBuffer"/>.</summary>
internal readonly struct MessageReceiveBuffer : IReceiveBuffer
{
    private readonly MessageBuffer _message;

    public MessageReceiveBuffer(MessageBuffer message) => _message = message;

    public Span<byte> GetSpan(long frameRemaining, bool isFinalFrame) => _message.GetSpan(frameRemaining, isFinalFrame);

    public void Advance(int count) => _message.Advance(count);
}
