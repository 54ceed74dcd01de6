using System;

namespace WebSocketProtocol.Protocol;

/// <summary>
/// Where <see cref="ConnectionProtocol.Receive"/> writes message bytes. Asked for room only when bytes are about to be
/// written, with what the frame declares, so that a whole-message receive can size its buffer from the declared length
/// and fill it in one pass, while a streaming receive simply hands its caller's buffer. A struct, so the call is direct.
/// </summary>
internal interface IReceiveBuffer
{
    /// <summary>
    /// Room for the next bytes of the message; never empty. <see cref="ConnectionProtocol.Receive"/> writes at its start, then
    /// calls <see cref="Advance"/> with the count (and reports it); asked again before that, it gives the same room.
    /// </summary>
    /// <param name="frameRemaining">Payload bytes the current frame still declares; -1 for inflated bytes, whose number is unknown.</param>
    /// <param name="isFinalFrame">Whether the current frame is the message's last.</param>
    Span<byte> GetSpan(long frameRemaining, bool isFinalFrame);

    /// <summary>Records that <paramref name="count"/> bytes were written at the start of the span <see cref="GetSpan"/> gave.</summary>
    void Advance(int count);
}

/// <summary>An <see cref="IReceiveBuffer"/> over a caller's memory: a streaming receive's buffer, or a test's.</summary>
internal readonly struct MemoryReceiveBuffer : IReceiveBuffer
{
    private readonly Memory<byte> _memory;

    public MemoryReceiveBuffer(Memory<byte> memory) => _memory = memory;

    public Span<byte> GetSpan(long frameRemaining, bool isFinalFrame) => _memory.Span;

    public void Advance(int count)
    {
        // The caller learns the count from the event.
    }
}
