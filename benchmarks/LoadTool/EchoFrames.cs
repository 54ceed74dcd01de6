using System.Net.WebSockets;
using System;
using System.Buffers;
using WebSocketProtocol.Connection;
using WebSocketProtocol.Framing;

namespace WebSocketProtocol.LoadTool;

/// <summary>
/// The bytes a load connection sends, encoded once: the message as a masked client frame repeated up to the in-flight
/// limit back to back (so any number of messages goes out in one send), and a masked close frame with 1000. Encoded
/// with the library's client-role <see cref="FrameWriter"/>, so every server receives exactly the same bytes.
/// </summary>
public sealed class EchoFrames
{
    private readonly byte[] _messages;
    private readonly int _frameLength;

    /// <summary>Encodes <paramref name="payload"/> as a message of type <paramref name="messageType"/>, <paramref name="inFlight"/> times.</summary>
    public EchoFrames(ReadOnlyMemory<byte> payload, WebSocketMessageType messageType, int inFlight)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inFlight, 1);
        Payload = payload;
        InFlight = inFlight;
        Opcode = messageType == WebSocketMessageType.Text ? Opcode.Text : Opcode.Binary;
        var one = new ArrayBufferWriter<byte>();
        new FrameWriter(one, WebSocketRole.Client).WriteFrame(Opcode, payload.Span);
        _frameLength = one.WrittenCount;
        _messages = new byte[checked(_frameLength * inFlight)];
        for (int i = 0; i < inFlight; i++)
        {
            one.WrittenSpan.CopyTo(_messages.AsSpan(i * _frameLength));
        }

        var close = new ArrayBufferWriter<byte>();
        new FrameWriter(close, WebSocketRole.Client).WriteClose(CloseStatus.NormalClosure);
        Close = close.WrittenMemory;
    }

    /// <summary>The payload every echo must carry back.</summary>
    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>Text or binary.</summary>
    public Opcode Opcode { get; }

    /// <summary>How many messages fit in <see cref="Messages"/>.</summary>
    public int InFlight { get; }

    /// <summary>A masked close frame with status 1000.</summary>
    public ReadOnlyMemory<byte> Close { get; }

    /// <summary><paramref name="count"/> encoded messages back to back (at most <see cref="InFlight"/>).</summary>
    public ReadOnlyMemory<byte> Messages(int count) => _messages.AsMemory(0, count * _frameLength);
}
