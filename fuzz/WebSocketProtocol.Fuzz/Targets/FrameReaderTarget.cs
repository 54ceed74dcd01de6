using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO.Pipelines;
using System.Threading.Tasks;
using WebSocketProtocol.Framing;
using WebSocketProtocol.Fuzz.Support;

namespace WebSocketProtocol.Fuzz.Targets;

/// <summary>
/// Bytes from the wire into a <see cref="FrameReader"/>, cut into arbitrary pieces over a pipe of small segments, read
/// with every read call the reader has; the frames and the final error must be those of <see cref="ReferenceFrameParser"/>.
/// </summary>
/// <remarks>
/// Input: byte 0 bit 0 the reading role (0 server, 1 client), bit 1 whether RSV1 is claimed by an extension, bits 2-3 how
/// the wire bytes are cut (<see cref="ChunkPlan"/>), bits 4-7 with byte 1 a seed; byte 1 bits 0-3 the frame limit (125 bytes
/// shifted left that many times), bits 4-5 the segment size, bits 6-7 the read calls (whole frames, header then payload
/// pieces, the two alternating, or a mix chosen per frame). The rest is the wire.
/// </remarks>
internal sealed class FrameReaderTarget : IFuzzTarget
{
    private enum ReadStyle
    {
        WholeFrames,
        HeaderThenPieces,
        Alternating,
        Mixed,
    }

    public string Name => "frame-reader";

    public void Run(ReadOnlySpan<byte> input)
    {
        var settings = new FuzzInput(input);
        byte first = settings.TakeByte();
        byte second = settings.TakeByte();
        ReadOnlySpan<byte> wire = settings.Rest;

        var options = new FrameReaderOptions((first & 1) == 0 ? WebSocketRole.Server : WebSocketRole.Client)
        {
            AllowedReservedBits = (first & 2) != 0 ? ReservedBits.Rsv1 : ReservedBits.None,
            MaxFramePayloadLength = (long)FrameHeader.MaxControlPayloadLength << (second & 15),
        };
        uint seed = (uint)((first >> 4) | (second << 4));
        var plan = new ChunkPlan(first >> 2, seed);
        var choices = new ChunkPlan(3, ~seed);
        var style = (ReadStyle)(second >> 6);

        var expected = new List<WireFrame>();
        ProtocolError expectedEnd = ReferenceFrameParser.Parse(
            wire, options.Role == WebSocketRole.Server, (int)options.AllowedReservedBits, options.MaxFramePayloadLength, expected);

        Pipe pipe = InlinePipe.Create(second >> 4);
        var reader = new FrameReader(pipe.Reader, options);
        var actual = new List<WireFrame>();
        Task<ProtocolError> reading = ReadAllAsync(reader, actual, style, choices);
        InlinePipe.Feed(pipe.Writer, wire, ref plan);
        InlinePipe.RequireFinished(reading, "The frame reader");
        ProtocolError actualEnd = reading.GetAwaiter().GetResult();

        if (actual.Count != expected.Count && !(actualEnd != ProtocolError.None && actual.Count < expected.Count))
        {
            throw new FuzzFindingException($"The reader produced {actual.Count} frames, the reference {expected.Count} (ended {actualEnd}, reference {expectedEnd}).");
        }

        for (int i = 0; i < actual.Count; i++)
        {
            if (!actual[i].SameAs(expected[i]))
            {
                throw new FuzzFindingException($"Frame {i} differs: reader {actual[i]}, reference {expected[i]}.");
            }
        }

        if (actualEnd != expectedEnd || actual.Count != expected.Count)
        {
            throw new FuzzFindingException($"The reader ended with {actualEnd} after {actual.Count} frames, the reference with {expectedEnd} after {expected.Count}.");
        }
    }

    private static async Task<ProtocolError> ReadAllAsync(FrameReader reader, List<WireFrame> frames, ReadStyle style, ChunkPlan choices)
    {
        try
        {
            while (true)
            {
                ReadStyle now = style switch
                {
                    ReadStyle.Mixed => (ReadStyle)(choices.NextRandom() % 2),
                    ReadStyle.Alternating => (ReadStyle)(frames.Count % 2),
                    _ => style,
                };
                switch (now)
                {
                    case ReadStyle.WholeFrames:
                        if (!await reader.ReadFrameAsync().ConfigureAwait(false))
                        {
                            return ProtocolError.None;
                        }

                        frames.Add(Whole(reader.Current));
                        break;

                    default:
                        if (!await reader.ReadHeaderAsync().ConfigureAwait(false))
                        {
                            return ProtocolError.None;
                        }

                        frames.Add(await ReadPiecesAsync(reader).ConfigureAwait(false));
                        break;
                }
            }
        }
        catch (WebSocketProtocolException exception)
        {
            return exception.Error;
        }
    }

    private static async Task<WireFrame> ReadPiecesAsync(FrameReader reader)
    {
        FrameHeader header = reader.Current.Header;
        byte[] payload = new byte[header.PayloadLength];
        int received = (int)reader.Current.Payload.Length;
        if (received != 0)
        {
            Copy(reader.Current, payload.AsSpan(0, received));
        }

        while (await reader.ReadPayloadAsync().ConfigureAwait(false))
        {
            Frame piece = reader.Current;
            if (piece.Header != header || piece.PayloadOffset != received || piece.Payload.Length == 0)
            {
                throw new FuzzFindingException($"A payload piece at {piece.PayloadOffset} ({piece.Payload.Length} bytes) does not continue the {received} bytes read of {header}.");
            }

            Copy(piece, payload.AsSpan(received, (int)piece.Payload.Length));
            received += (int)piece.Payload.Length;
        }

        if (received != header.PayloadLength)
        {
            throw new FuzzFindingException($"The payload pieces add up to {received} bytes, the header says {header.PayloadLength}.");
        }

        return ToWireFrame(header, payload);
    }

    private static WireFrame Whole(in Frame frame)
    {
        if (!frame.IsPayloadComplete || frame.PayloadOffset != 0)
        {
            throw new FuzzFindingException($"A whole-frame read handed out {frame.Payload.Length} of {frame.Header.PayloadLength} bytes.");
        }

        byte[] payload = new byte[frame.Payload.Length];
        Copy(frame, payload);
        return ToWireFrame(frame.Header, payload);
    }

    /// <summary>Unmasks through the library and holds its ASCII hint to what the bytes are.</summary>
    private static void Copy(in Frame frame, Span<byte> destination)
    {
        int copied = frame.CopyPayloadTo(destination, out bool isAscii);
        if (copied != destination.Length)
        {
            throw new FuzzFindingException($"CopyPayloadTo copied {copied} of {destination.Length} bytes.");
        }

        if (isAscii && destination.IndexOfAnyInRange((byte)0x80, (byte)0xFF) >= 0)
        {
            throw new FuzzFindingException("CopyPayloadTo said a payload with a byte above 0x7F was ASCII.");
        }

        // The pipe's memory must come through untouched: unmasking is a copy, never in place.
        byte[] raw = frame.Payload.ToArray();
        if (!frame.Header.IsMasked && !destination.SequenceEqual(raw))
        {
            throw new FuzzFindingException("An unmasked payload was changed on the way out.");
        }
    }

    private static WireFrame ToWireFrame(in FrameHeader header, byte[] payload) =>
        new(header.IsFinal, (int)header.ReservedBits, (int)header.Opcode, header.IsMasked, header.MaskKey, payload);
}
