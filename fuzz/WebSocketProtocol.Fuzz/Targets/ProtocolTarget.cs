using System;
using System.Buffers;
using System.Collections.Generic;
using System.Net.WebSockets;
using System.Text;
using WebSocketProtocol.Extensions.Deflate;
using WebSocketProtocol.Fuzz.Support;
using WebSocketProtocol.Protocol;

namespace WebSocketProtocol.Fuzz.Targets;

/// <summary>
/// Bytes from the wire into the connection's sans-I/O core (<see cref="ConnectionProtocol"/>), driven synchronously as
/// its shell drives it, after a handshake that may have agreed permessage-deflate. The oracle is the core itself fed the
/// same bytes whole: cut into any pieces, into any destination size, the input must give the same messages, control
/// frames, close and failure, and the same frames owed to the peer. Every message must also respect the size limit and,
/// as text, be valid UTF-8, and nothing may follow a failure or the peer's close.
/// </summary>
/// <remarks>
/// Input: byte 0 bit 0 the role (0 server), bit 1 permessage-deflate agreed, bit 2 the peer takes over no context, bits
/// 3-4 how the wire bytes are cut (<see cref="ChunkPlan"/>), bits 5-7 a seed; byte 1 bits 0-1 more seed, bits 2-5 the
/// message limit (125 bytes shifted left that many times, at most 13), bits 6-7 the destination size of the cut run (1, 7,
/// 125 or 4096 bytes). The layout is the <c>connection</c> target's, so the two share seeds. The rest is the wire.
/// </remarks>
internal sealed class ProtocolTarget : IFuzzTarget
{
    private static readonly int[] DestinationSizes = { 1, 7, 125, 4096 };

    public string Name => "protocol";

    public void Run(ReadOnlySpan<byte> input)
    {
        var settings = new FuzzInput(input);
        byte first = settings.TakeByte();
        byte second = settings.TakeByte();
        byte[] wire = settings.Rest.ToArray();

        var protocolSettings = new ProtocolSettings((first & 1) == 0 ? WebSocketRole.Server : WebSocketRole.Client)
        {
            MaxMessageSize = (long)Framing.FrameHeader.MaxControlPayloadLength << Math.Min((second >> 2) & 15, 13),
        };
        var whole = new CoreRun(protocolSettings, first, destinationSize: 4096);
        whole.Arrive(wire);
        whole.End();

        var cut = new CoreRun(protocolSettings, first, DestinationSizes[second >> 6]);
        var plan = new ChunkPlan(first >> 3, (uint)(first >> 5) | ((uint)(second & 3) << 3));
        for (int start = 0; start < wire.Length;)
        {
            int size = plan.Next(wire.Length - start);
            cut.Arrive(wire.AsSpan(start, size).ToArray());
            start += size;
        }

        cut.End();
        if (whole.Transcript.Count != cut.Transcript.Count)
        {
            throw new FuzzFindingException($"Fed whole the core gave {whole.Transcript.Count} events, cut into pieces {cut.Transcript.Count}: [{string.Join(", ", whole.Transcript)}] against [{string.Join(", ", cut.Transcript)}].");
        }

        for (int i = 0; i < whole.Transcript.Count; i++)
        {
            if (whole.Transcript[i] != cut.Transcript[i])
            {
                throw new FuzzFindingException($"Event {i} differs: '{whole.Transcript[i]}' fed whole, '{cut.Transcript[i]}' cut into pieces.");
            }
        }
    }

    /// <summary>One core and what it reports, fed as a shell feeds it: what is not consumed is offered again with the next bytes.</summary>
    private sealed class CoreRun
    {
        private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

        private readonly ArrayBufferWriter<byte> _output = new();
        private readonly List<byte[]> _pending = new();
        private readonly ArrayBufferWriter<byte> _message = new();
        private readonly byte[] _destination;
        private readonly long _limit;
        private readonly ConnectionProtocol _protocol;
        private bool _ended;

        public CoreRun(ProtocolSettings settings, byte first, int destinationSize)
        {
            PerMessageDeflateExtension? deflate = (first & 2) == 0 ? null
                : new PerMessageDeflateExtension(settings.Role, serverNoContextTakeover: (first & 4) != 0, clientNoContextTakeover: (first & 4) != 0, serverMaxWindowBits: 15, clientMaxWindowBits: 15, compressionThreshold: 0);
            _protocol = new ConnectionProtocol(settings, deflate, _output, now: 0);
            _destination = new byte[destinationSize];
            _limit = settings.MaxMessageSize;
        }

        public List<string> Transcript { get; } = new();

        public void Arrive(byte[] chunk)
        {
            if (_ended)
            {
                return;
            }

            if (chunk.Length != 0)
            {
                _pending.Add(chunk);
            }

            while (true)
            {
                ReadOnlySequence<byte> input = Chain.Create(_pending);
                var destination = new MemoryReceiveBuffer(_destination);
                ReceiveEvent received = _protocol.Receive(input, ref destination, out long consumed);
                if (consumed < 0 || consumed > input.Length)
                {
                    throw new FuzzFindingException($"The core consumed {consumed} of {input.Length} bytes.");
                }

                Keep(input.Slice(consumed));
                Record(received);
                if (received.Kind is ReceiveEventKind.NeedMoreData or ReceiveEventKind.Failed or ReceiveEventKind.CloseReceived)
                {
                    _ended = received.Kind != ReceiveEventKind.NeedMoreData;
                    return;
                }
            }
        }

        public void End()
        {
            if (!_ended)
            {
                _ended = true;
                long unconsumed = 0;
                foreach (byte[] chunk in _pending)
                {
                    unconsumed += chunk.Length;
                }

                Record(_protocol.InputEnded(unconsumed > 0));
            }
        }

        private void Record(ReceiveEvent received)
        {
            switch (received.Kind)
            {
                case ReceiveEventKind.MessageData:
                    if (received.Count > _destination.Length || _message.WrittenCount + (long)received.Count > _limit)
                    {
                        throw new FuzzFindingException($"{received.Count} bytes reported into a {_destination.Length}-byte destination, {_message.WrittenCount} already received, limit {_limit}.");
                    }

                    _message.Write(_destination.AsSpan(0, received.Count));
                    if (!received.EndOfMessage)
                    {
                        return;
                    }

                    if (received.MessageType == WebSocketMessageType.Text)
                    {
                        // Throws on invalid UTF-8: the core must have failed the message with 1007 instead.
                        StrictUtf8.GetCharCount(_message.WrittenSpan.ToArray());
                    }

                    Transcript.Add($"{received.MessageType} {Hash(_message.WrittenSpan)}");
                    _message.Clear();
                    break;
                case ReceiveEventKind.Ping or ReceiveEventKind.Pong:
                    Transcript.Add($"{received.Kind} {Hash(_protocol.ControlPayload)}");
                    break;
                case ReceiveEventKind.CloseReceived:
                    Transcript.Add($"close {(int?)_protocol.PeerCloseStatus} '{_protocol.PeerCloseReason}'");
                    break;
                case ReceiveEventKind.Failed:
                    Transcript.Add($"failed {received.Error}");
                    break;
                default:
                    return;
            }

            _protocol.WriteOwedFrames();

            // Frames from a server are not masked, so the same owed frames are the same bytes; a client's carry fresh keys.
            Transcript.Add(_protocol.Role == WebSocketRole.Server ? $"owed {Hash(_output.WrittenSpan)}" : $"owed {_output.WrittenCount} B");
            _output.Clear();
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

        private static string Hash(ReadOnlySpan<byte> bytes)
        {
            // FNV-1a: any difference in content or length shows.
            uint hash = 2166136261;
            foreach (byte b in bytes)
            {
                hash = (hash ^ b) * 16777619;
            }

            return $"{bytes.Length}:{hash:x8}";
        }
    }

    /// <summary>A sequence whose segments are the given chunks, so that every cross-segment path of the core runs.</summary>
    private sealed class Chain : ReadOnlySequenceSegment<byte>
    {
        private Chain(byte[] chunk, long runningIndex)
        {
            Memory = chunk;
            RunningIndex = runningIndex;
        }

        public static ReadOnlySequence<byte> Create(List<byte[]> chunks)
        {
            if (chunks.Count == 0)
            {
                return ReadOnlySequence<byte>.Empty;
            }

            var head = new Chain(chunks[0], 0);
            Chain tail = head;
            for (int i = 1; i < chunks.Count; i++)
            {
                var next = new Chain(chunks[i], tail.RunningIndex + tail.Memory.Length);
                tail.Next = next;
                tail = next;
            }

            return new ReadOnlySequence<byte>(head, 0, tail, tail.Memory.Length);
        }
    }
}
