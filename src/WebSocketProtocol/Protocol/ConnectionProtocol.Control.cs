using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Threading;
using WebSocketProtocol.Framing;
using WebSocketProtocol.Text;

namespace WebSocketProtocol.Protocol;

/// <content>Control frames as they arrive: a ping owes a pong, a pong proves the peer alive, a close ends the receiving.</content>
internal sealed partial class ConnectionProtocol
{
    // The payload of the last control frame, unmasked; allocated at the first one that carries any.
    private byte[]? _controlPayload;
    private int _controlLength;

    private CloseStatus? _peerCloseStatus;
    private string? _peerCloseReason;

    /// <summary>The payload of the last ping or pong received; valid until the next <see cref="Receive"/>.</summary>
    public ReadOnlySpan<byte> ControlPayload => _controlPayload.AsSpan(0, _controlLength);

    /// <summary>The status of the peer's close frame (<see cref="CloseStatus.NoStatusReceived"/> when it had no body), once it arrived.</summary>
    public CloseStatus? PeerCloseStatus => _peerCloseStatus;

    /// <summary>The reason in the peer's close frame (possibly empty), once it arrived.</summary>
    public string? PeerCloseReason => _peerCloseReason;

    /// <summary>Takes the control frame whose header is behind <paramref name="consumed"/> and whose payload is all there.</summary>
    private ReceiveEvent ReceiveControlFrame(in ReadOnlySequence<byte> input, ReadOnlySpan<byte> first, in FrameHeader header, ref long consumed)
    {
        // The data frame being received (between whose fragments this came) stays as it is.
        int length = (int)header.PayloadLength;
        if (length != 0)
        {
            _controlPayload ??= new byte[FrameHeader.MaxControlPayloadLength];
            CopyPayload(input, first, consumed, length, _controlPayload, header, 0);
        }

        _controlLength = length;
        consumed += length;
        Volatile.Write(ref _receivedSinceTick, 1);
        _frameWait.FrameEnded();
        switch (header.Opcode)
        {
            case Opcode.Ping:
                // Section 5.5.2: a pong with the same payload.
                OwePong(ControlPayload);
                return ReceiveEvent.Ping;
            case Opcode.Pong:
                // Section 5.5.3: an unsolicited pong is allowed and ignored; any pong proves the peer alive.
                Volatile.Write(ref _pingOutstanding, 0);
                return ReceiveEvent.Pong;
            default:
                return ReceiveCloseFrame(ControlPayload);
        }
    }

    /// <summary>Section 5.5.1: the body is empty, or a code (section 7.4) and a UTF-8 reason (section 8.1).</summary>
    private ReceiveEvent ReceiveCloseFrame(ReadOnlySpan<byte> body)
    {
        CloseStatus status = CloseStatus.NoStatusReceived;
        string reason = string.Empty;
        if (body.Length == 1)
        {
            return FailWith(ProtocolError.InvalidCloseFrame);
        }

        if (body.Length >= 2)
        {
            ushort code = BinaryPrimitives.ReadUInt16BigEndian(body);
            if (!CloseStatusRules.IsValidReceived(code))
            {
                return FailWith(ProtocolError.InvalidCloseFrame);
            }

            if (!Utf8Validator.IsValid(body.Slice(2)))
            {
                return FailWith(ProtocolError.InvalidUtf8);
            }

            status = (CloseStatus)code;
            reason = body.Length == 2 ? string.Empty : Encoding.UTF8.GetString(_controlPayload!, 2, body.Length - 2);
        }

        _peerCloseReason = reason;
        _peerCloseStatus = status;
        MoveState(System.Net.WebSockets.WebSocketState.Open, System.Net.WebSockets.WebSocketState.CloseReceived);
        if (AnswersCloseFrames)
        {
            // Section 5.5.1: answer with a close echoing the code (none when the peer gave none), unless ours went out.
            OweClose(status == CloseStatus.NoStatusReceived ? OwedEmptyClose : (int)status);
        }

        return ReceiveEvent.CloseReceived;
    }
}
