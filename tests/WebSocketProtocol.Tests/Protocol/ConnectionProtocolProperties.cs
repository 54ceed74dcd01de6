using System;
using System.Buffers;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using WebSocketProtocol.Extensions.Deflate;
using WebSocketProtocol.Framing;
using WebSocketProtocol.Protocol;
using WebSocketProtocol.Tests.Extensions.Deflate;
using WebSocketProtocol.Tests.Support;

namespace WebSocketProtocol.Tests.Protocol;

/// <summary>
/// FsCheck properties of <see cref="ConnectionProtocol"/>: any byte stream (frames of every kind, valid or not, compressed or
/// not, with garbage between), cut into any chunks and received into any destination size, gives the same transcript as
/// when fed whole: the same messages, control frames, frames written to the peer, and failure with its close code.
/// </summary>
public class ConnectionProtocolProperties
{
    /// <summary>One piece of the stream, described so FsCheck can print and shrink it.</summary>
    public sealed record Piece(int Kind, int Opcode, bool IsFinal, int Rsv, bool WrongMask, byte[] Payload)
    {
        public override string ToString() => $"kind {Kind} op {Opcode} fin={IsFinal} rsv={Rsv} wrongMask={WrongMask} len={Payload.Length}";
    }

    private static Gen<byte[]> Bytes(Gen<int> length) =>
        from n in length
        from seed in Gen.Choose(0, 255)
        from text in ArbMap.Default.GeneratorFor<bool>()
        select text ? Text(n, seed) : Enumerable.Range(0, n).Select(i => (byte)((i * 131) ^ seed)).ToArray();

    /// <summary>UTF-8 of mixed widths; one time in four with its last byte cut off, so a character may be left unfinished.</summary>
    private static byte[] Text(int length, int seed)
    {
        byte[] text = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, length).Select(i => new[] { "a", "é", "😀", " ", "€" }[(i * 7 + seed) % 5])));
        return seed % 4 == 0 && text.Length > 0 ? text[..^1] : text;
    }

    private static readonly Gen<Piece> Pieces =
        from kind in Gen.Frequency((6, Gen.Constant(0)), (2, Gen.Constant(1)), (2, Gen.Constant(2)), (1, Gen.Constant(3)))
        from opcode in Gen.Frequency((4, Gen.Elements(1, 2)), (3, Gen.Constant(0)), (3, Gen.Elements(8, 9, 10)), (1, Gen.Elements(3, 11)))
        from fin in Gen.Frequency((3, Gen.Constant(true)), (1, Gen.Constant(false)))
        from rsv in Gen.Frequency((8, Gen.Constant(0)), (3, Gen.Constant(0x40)), (1, Gen.Elements(0x20, 0x10)))
        from wrongMask in Gen.Frequency((30, Gen.Constant(false)), (1, Gen.Constant(true)))
        from payload in Bytes(Gen.Frequency((8, Gen.Choose(0, 130)), (2, Gen.Choose(126, 3000)), (1, Gen.Choose(65_530, 70_000))))
        select new Piece(kind, opcode, fin, rsv, wrongMask, payload);

    private static readonly Gen<Piece[]> Streams = Pieces.ListOf().Select(list => list.Take(16).ToArray());

    private static readonly Gen<int[]> ChunkSizes = Gen.Frequency((1, Gen.Constant(1)), (3, Gen.Choose(1, 40)), (2, Gen.Choose(1, 5000))).ArrayOf()
        .Select(sizes => sizes.Length == 0 ? new[] { 3 } : sizes);

    /// <summary>
    /// The wire for <paramref name="pieces"/> as <paramref name="sender"/> sends them: kind 0 a frame as described, kind 1 a
    /// close with a body from the payload, kind 2 a compressed message (a fresh compressor each, no context takeover; when not
    /// final, in two fragments with a ping between), kind
    /// 3 the payload's bytes as they are (garbage).
    /// </summary>
    private static byte[] Encode(Piece[] pieces, WebSocketRole sender)
    {
        var parts = new List<byte[]>();
        foreach (Piece piece in pieces)
        {
            bool masked = (sender == WebSocketRole.Client) != piece.WrongMask;
            byte[] payload = piece.Payload;
            Opcode opcode = (Opcode)piece.Opcode;
            switch (piece.Kind)
            {
                case 1:
                    opcode = Opcode.Close;
                    payload = new byte[] { 0x03, (byte)(0xE8 + (payload.Length % 20)) }.Concat(payload.Take(payload.Length % 130)).ToArray();
                    break;
                case 2 when !piece.IsFinal:
                    // Compressed in two fragments with a ping between them.
                    byte[] compressed = Compress(payload);
                    int cut = compressed.Length / 2;
                    parts.Add(FrameBytes.Encode(new FrameHeader(piece.Opcode == 1 ? Opcode.Text : Opcode.Binary, cut, false, ReservedBits.Rsv1, masked, 0x12345678), compressed.AsSpan(0, cut)));
                    parts.Add(FrameBytes.Encode(new FrameHeader(Opcode.Ping, 3, isMasked: masked, maskKey: 0x9abcdef0), new byte[] { 1, 2, 3 }));
                    parts.Add(FrameBytes.Encode(new FrameHeader(Opcode.Continuation, compressed.Length - cut, true, ReservedBits.None, masked, 0x0fedcba9), compressed.AsSpan(cut)));
                    continue;
                case 2:
                    opcode = piece.Opcode == 1 ? Opcode.Text : Opcode.Binary;
                    payload = Compress(payload);
                    break;
                case 3:
                    parts.Add(payload.Take(9).ToArray());
                    continue;
            }

            parts.Add(FrameBytes.Encode(new FrameHeader(opcode, payload.Length, piece.Kind == 0 ? piece.IsFinal : true, (ReservedBits)(piece.Kind == 2 ? 0x40 : piece.Rsv), masked, 0x0badf00d ^ (uint)payload.Length), payload));
        }

        return FrameBytes.Concat(parts);
    }

    private static byte[] Compress(byte[] data)
    {
        var (_, _, server, _) = DeflateNegotiation.Agree(NoTakeover, NoTakeover);
        var output = new ArrayBufferWriter<byte>();
        server.Compress(data, endOfMessage: true, output);
        return output.WrittenSpan.ToArray();
    }

    private static readonly PerMessageDeflateOptions NoTakeover = new() { ServerNoContextTakeover = true, ClientNoContextTakeover = true, CompressionThreshold = 0 };

    private static List<string> Transcript(WebSocketRole role, bool deflate, long limit, IEnumerable<byte[]> chunks, int destinationSize)
    {
        PerMessageDeflateExtension? extension = null;
        if (deflate)
        {
            var (_, _, server, client) = DeflateNegotiation.Agree(NoTakeover, NoTakeover);
            extension = role == WebSocketRole.Server ? server : client;
        }

        var driver = new ProtocolDriver(ProtocolDriver.Settings(role, limit), extension, destinationSize);
        foreach (byte[] chunk in chunks)
        {
            driver.Arrive(chunk);
        }

        return driver.End().Transcript;
    }

    [Property(MaxTest = 300)]
    public Property Any_byte_stream_cut_into_any_chunks_and_received_into_any_room_gives_the_same_transcript_as_fed_whole() =>
        Prop.ForAll(
            (from pieces in Streams
             from role in Gen.Elements(WebSocketRole.Server, WebSocketRole.Client)
             from deflate in ArbMap.Default.GeneratorFor<bool>()
             from limit in Gen.Elements(200L, 5000L, 1L << 20)
             from sizes in ChunkSizes
             from room in Gen.Frequency((2, Gen.Constant(1)), (3, Gen.Choose(1, 300)), (1, Gen.Constant(70_000)))
             select (pieces, role, deflate, limit, sizes, room)).ToArbitrary(),
            input =>
            {
                var (pieces, role, deflate, limit, sizes, room) = input;
                byte[] wire = Encode(pieces, Wire.Peer(role));
                List<string> whole = Transcript(role, deflate, limit, new[] { wire }, 70_000);
                List<string> cut = Transcript(role, deflate, limit, SegmentedSequence.Split(wire, Enumerable.Repeat(sizes, int.MaxValue).SelectMany(s => s)), room);
                return whole.SequenceEqual(cut)
                    .Label($"whole: {string.Join(" | ", whole)}\ncut:   {string.Join(" | ", cut)}");
            });
}
