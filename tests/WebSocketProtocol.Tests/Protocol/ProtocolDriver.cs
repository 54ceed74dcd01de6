using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Linq;
using System.Net.WebSockets;
using System.Text;
using WebSocketProtocol.Extensions.Deflate;
using WebSocketProtocol.Framing;
using WebSocketProtocol.Protocol;
using WebSocketProtocol.Tests.Support;

namespace WebSocketProtocol.Tests.Protocol;

/// <summary>
/// Drives a <see cref="ConnectionProtocol"/> as its shell would, synchronously: bytes arrive in the chunks given (each a
/// segment of the input, so every cross-segment path runs), what the protocol does not consume is offered again with the
/// next chunk, owed frames are written after every event. Everything observable goes into a transcript of lines:
/// messages (whole, reassembled), pings, pongs, the close, the failure, and each frame written to the peer (decoded).
/// </summary>
internal sealed class ProtocolDriver
{
    private readonly ArrayBufferWriter<byte> _output = new();
    private readonly List<byte[]> _pending = new();
    private readonly ArrayBufferWriter<byte> _message = new();
    private readonly byte[] _destination;
    private bool _ended;

    public ProtocolDriver(ProtocolSettings settings, PerMessageDeflateExtension? deflate = null, int destinationSize = 4096)
    {
        Protocol = new ConnectionProtocol(settings, deflate, _output, now: 0);
        _destination = new byte[destinationSize];
    }

    public ConnectionProtocol Protocol { get; }

    public List<string> Transcript { get; } = new();

    /// <summary>Bytes still offered to the protocol but not consumed (a partial header or control frame).</summary>
    public long Unconsumed => _pending.Sum(chunk => (long)chunk.Length);

    public static ProtocolSettings Settings(WebSocketRole role, long maxMessageSize = 1 << 20) => new(role) { MaxMessageSize = maxMessageSize };

    /// <summary>Feeds <paramref name="wire"/> whole, or in pieces of <paramref name="chunkSize"/> bytes.</summary>
    public ProtocolDriver Feed(byte[] wire, int chunkSize = int.MaxValue)
    {
        for (int start = 0; start < wire.Length; start += chunkSize)
        {
            Arrive(wire.AsSpan(start, Math.Min(chunkSize, wire.Length - start)).ToArray());
        }

        return this;
    }

    /// <summary>One chunk arrives: the protocol is run over everything pending until it needs more.</summary>
    public void Arrive(byte[] chunk)
    {
        if (_ended)
        {
            // As a shell does: after a failure or the peer's close, nothing more is read.
            return;
        }

        if (chunk.Length != 0)
        {
            _pending.Add(chunk);
        }

        // Until the protocol asks for more: it may hold inflated bytes still to hand out with nothing left in the input.
        while (true)
        {
            ReadOnlySequence<byte> input = SegmentedSequence.Create(_pending);
            var destination = new MemoryReceiveBuffer(_destination);
            ReceiveEvent received = Protocol.Receive(input, ref destination, out long consumed);
            Keep(input.Slice(consumed));
            Record(received);
            if (received.Kind is ReceiveEventKind.Failed or ReceiveEventKind.CloseReceived)
            {
                _ended = true;
                return;
            }

            if (received.Kind == ReceiveEventKind.NeedMoreData)
            {
                return;
            }
        }
    }

    /// <summary>The transport ends.</summary>
    public ProtocolDriver End()
    {
        if (!_ended)
        {
            _ended = true;
            Record(Protocol.InputEnded(Unconsumed > 0));
        }

        return this;
    }

    /// <summary>Writes what is owed and records each frame the peer would receive.</summary>
    public void DrainOwed()
    {
        Protocol.WriteOwedFrames();
        RecordWritten();
    }

    /// <summary>Records the frames written since the last look (by the send side, or owed ones).</summary>
    public void RecordWritten()
    {
        foreach ((FrameHeader header, byte[] payload) in DecodeFrames(_output.WrittenSpan.ToArray()))
        {
            Transcript.Add("sent " + Describe(header.Opcode, payload) + (header.ReservedBits != ReservedBits.None ? " rsv1" : string.Empty));
        }

        _output.ResetWrittenCount();
    }

    /// <summary>The raw bytes written since the last look, taken away.</summary>
    public byte[] TakeWritten()
    {
        byte[] written = _output.WrittenSpan.ToArray();
        _output.ResetWrittenCount();
        return written;
    }

    private void Record(ReceiveEvent received)
    {
        switch (received.Kind)
        {
            case ReceiveEventKind.MessageData:
                _message.Write(_destination.AsSpan(0, received.Count));
                if (received.EndOfMessage)
                {
                    byte[] data = _message.WrittenSpan.ToArray();
                    Transcript.Add(received.MessageType == WebSocketMessageType.Text ? $"text '{Encoding.UTF8.GetString(data)}'" : $"binary {Hex(data)}");
                    _message.ResetWrittenCount();
                }

                break;
            case ReceiveEventKind.Ping:
                Transcript.Add("ping " + Hex(Protocol.ControlPayload.ToArray()));
                break;
            case ReceiveEventKind.Pong:
                Transcript.Add("pong " + Hex(Protocol.ControlPayload.ToArray()));
                break;
            case ReceiveEventKind.CloseReceived:
                Transcript.Add($"close {(int)Protocol.PeerCloseStatus!.Value} '{Protocol.PeerCloseReason}'");
                break;
            case ReceiveEventKind.Failed:
                Transcript.Add($"failed {received.Error} ({(int)received.Error.ToCloseStatus()})");
                break;
            default:
                return;
        }

        DrainOwed();
    }

    private void Keep(ReadOnlySequence<byte> rest)
    {
        _pending.Clear();
        foreach (ReadOnlyMemory<byte> segment in rest)
        {
            if (!segment.IsEmpty)
            {
                _pending.Add(segment.ToArray());
            }
        }
    }

    /// <summary>Frames as the peer reads them, unmasked (a client's frames carry a fresh key each, so bytes alone differ).</summary>
    public static List<(FrameHeader Header, byte[] Payload)> DecodeFrames(byte[] wire)
    {
        var frames = new List<(FrameHeader, byte[])>();
        int position = 0;
        while (position < wire.Length)
        {
            if (!FrameHeader.TryParse(wire.AsSpan(position), out FrameHeader header, out int headerLength))
            {
                throw new InvalidOperationException("A partial frame was written.");
            }

            byte[] payload = wire.AsSpan(position + headerLength, (int)header.PayloadLength).ToArray();
            if (header.IsMasked)
            {
                PayloadMask.Apply(payload, header.MaskKey, 0);
            }

            frames.Add((header, payload));
            position += headerLength + payload.Length;
        }

        return frames;
    }

    private static string Describe(Opcode opcode, byte[] payload) => opcode switch
    {
        Opcode.Close when payload.Length >= 2 => $"close {BinaryPrimitives.ReadUInt16BigEndian(payload)} '{Encoding.UTF8.GetString(payload, 2, payload.Length - 2)}'",
        Opcode.Close => "close (no body)",
        Opcode.Text => $"text '{Encoding.UTF8.GetString(payload)}'",
        _ => $"{opcode.ToString().ToLowerInvariant()} {Hex(payload)}",
    };

    /// <summary>Short for a few bytes; for more, the length and a hash of them all, so that any difference shows.</summary>
    public static string Hex(byte[] bytes) => bytes.Length <= 16
        ? Convert.ToHexString(bytes)
        : $"{bytes.Length} B {Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(bytes).AsSpan(0, 8))}";
}

/// <summary>Frames as a peer puts them on the wire, for the protocol's tests.</summary>
internal static class Wire
{
    private const uint MaskKey = 0x5eed1234;

    /// <summary>A frame as <paramref name="sender"/> sends it: masked from a client, not from a server.</summary>
    public static byte[] Frame(WebSocketRole sender, Opcode opcode, ReadOnlySpan<byte> payload, bool isFinal = true, ReservedBits reservedBits = ReservedBits.None) =>
        FrameBytes.Encode(new FrameHeader(opcode, payload.Length, isFinal, reservedBits, sender == WebSocketRole.Client, MaskKey), payload);

    public static byte[] Text(WebSocketRole sender, string text, bool isFinal = true) => Frame(sender, Opcode.Text, Encoding.UTF8.GetBytes(text), isFinal);

    public static byte[] Close(WebSocketRole sender, ushort code, string reason = "")
    {
        byte[] body = new byte[2 + Encoding.UTF8.GetByteCount(reason)];
        BinaryPrimitives.WriteUInt16BigEndian(body, code);
        Encoding.UTF8.GetBytes(reason, body.AsSpan(2));
        return Frame(sender, Opcode.Close, body);
    }

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(part => part).ToArray();

    public static WebSocketRole Peer(WebSocketRole role) => role == WebSocketRole.Server ? WebSocketRole.Client : WebSocketRole.Server;
}
