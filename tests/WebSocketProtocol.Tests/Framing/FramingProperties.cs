using System;
using System.Buffers;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using WebSocketProtocol.Framing;
using WebSocketProtocol.Tests.Support;

namespace WebSocketProtocol.Tests.Framing;

/// <summary>FsCheck properties of the framing layer, each over arbitrary frames and arbitrary splits of the byte stream.</summary>
public class FramingProperties
{
    /// <summary>One frame as a test describes it.</summary>
    public sealed record FrameSpec(Opcode Opcode, bool IsFinal, ReservedBits ReservedBits, uint MaskKey, byte[] Payload)
    {
        public override string ToString() => $"{Opcode} fin={IsFinal} rsv={ReservedBits} key={MaskKey:x8} len={Payload.Length}";
    }

    /// <summary>How the byte stream is cut before it reaches the reader.</summary>
    public enum Chunking
    {
        Whole,
        OneByte,
        Random,
    }

    private static Gen<(TA, TB)> Both<TA, TB>(Gen<TA> a, Gen<TB> b) =>
        from x in a
        from y in b
        select (x, y);

    private static Gen<(TA, TB, TC)> All3<TA, TB, TC>(Gen<TA> a, Gen<TB> b, Gen<TC> c) =>
        from x in a
        from y in b
        from z in c
        select (x, y, z);

    private static readonly Gen<uint> Keys = ArbMap.Default.GeneratorFor<uint>();

    private static Gen<byte[]> Bytes(Gen<int> length) =>
        from n in length
        from seed in Gen.Choose(0, 255)
        select Enumerable.Range(0, n).Select(i => (byte)((i * 131) ^ seed)).ToArray();

    private static readonly Gen<FrameSpec> DataFrames =
        from opcode in Gen.Elements(Opcode.Text, Opcode.Binary, Opcode.Continuation)
        from fin in ArbMap.Default.GeneratorFor<bool>()
        from rsv in Gen.Elements(ReservedBits.None, ReservedBits.Rsv1, ReservedBits.Rsv2 | ReservedBits.Rsv3, ReservedBits.All)
        from key in Keys
        from payload in Bytes(Gen.Frequency((6, Gen.Choose(0, 130)), (3, Gen.Choose(120, 66_000)), (1, Gen.Choose(65_530, 70_000))))
        select new FrameSpec(opcode, fin, rsv, key, payload);

    private static readonly Gen<FrameSpec> ControlFrames =
        from opcode in Gen.Elements(Opcode.Ping, Opcode.Pong, Opcode.Close)
        from key in Keys
        from payload in Bytes(Gen.Choose(0, 125))
        select new FrameSpec(opcode, true, ReservedBits.None, key, payload);

    private static readonly Gen<FrameSpec[]> FrameLists =
        Gen.Frequency((3, DataFrames), (1, ControlFrames)).ListOf().Select(l => l.Take(12).ToArray());

    private static readonly Gen<Chunking> Chunkings = Gen.Elements(Chunking.Whole, Chunking.OneByte, Chunking.Random, Chunking.Random);

    private static readonly Gen<int[]> ChunkSizes = Gen.Choose(1, 4000).ArrayOf().Select(a => a.Length == 0 ? new[] { 7 } : a);

    private static List<byte[]> Split(byte[] wire, Chunking chunking, int[] sizes)
    {
        if (chunking == Chunking.OneByte && wire.Length <= 20_000)
        {
            return SegmentedSequence.SplitIntoBytes(wire);
        }

        // Large streams in 1-byte chunks would take long; small random chunks exercise the same boundaries there.
        IEnumerable<int> cycle = chunking == Chunking.Whole ? new[] { int.MaxValue } : Enumerable.Repeat(sizes, int.MaxValue).SelectMany(s => s);
        if (chunking == Chunking.OneByte)
        {
            cycle = sizes.Select(s => (s % 7) + 1).ToArray();
            cycle = Enumerable.Repeat(cycle, int.MaxValue).SelectMany(s => s);
        }

        return SegmentedSequence.Split(wire, cycle);
    }

    private static FrameReaderOptions ReaderOptions(WebSocketRole role) =>
        new(role) { AllowedReservedBits = ReservedBits.All, MaxFramePayloadLength = 1 << 20 };

    private static WebSocketRole Peer(WebSocketRole role) => role == WebSocketRole.Server ? WebSocketRole.Client : WebSocketRole.Server;

    private static FrameHeader HeaderOf(FrameSpec spec, WebSocketRole writerRole) =>
        new(spec.Opcode, spec.Payload.Length, spec.IsFinal, spec.ReservedBits, writerRole == WebSocketRole.Client, spec.MaskKey);

    [Property(MaxTest = 150)]
    public Property Any_frames_encoded_then_read_in_any_chunking_come_back_identical() =>
        Prop.ForAll(
            All3(FrameLists, Gen.Elements(WebSocketRole.Server, WebSocketRole.Client), Both(Chunkings, ChunkSizes)).ToArbitrary(),
            input =>
            {
                var (frames, writerRole, (chunking, sizes)) = input;
                byte[] wire = FrameBytes.Concat(frames.Select(f => FrameBytes.Encode(HeaderOf(f, writerRole), f.Payload)));
                var chunks = Split(wire, chunking, sizes);

                var whole = FrameBytes.ReadAllAsync(new FrameReader(new ChunkedPipeReader(chunks), ReaderOptions(Peer(writerRole)))).GetAwaiter().GetResult();
                var pieces = FrameBytes.ReadAllInPiecesAsync(new FrameReader(new ChunkedPipeReader(chunks), ReaderOptions(Peer(writerRole)))).GetAwaiter().GetResult();

                var expectedHeaders = frames.Select(f => HeaderOf(f, writerRole)).ToList();
                return whole.Select(f => f.Header).SequenceEqual(expectedHeaders)
                    && pieces.Select(f => f.Header).SequenceEqual(expectedHeaders)
                    && whole.Select(f => f.Payload).SequenceEqual(frames.Select(f => f.Payload), ByteArrayComparer.Instance)
                    && pieces.Select(f => f.Payload).SequenceEqual(frames.Select(f => f.Payload), ByteArrayComparer.Instance);
            });

    [Property(MaxTest = 100)]
    public Property Any_frames_written_by_the_frame_writer_read_back_identical_through_a_pipe_in_any_chunking() =>
        Prop.ForAll(
            All3(FrameLists, Gen.Elements(WebSocketRole.Server, WebSocketRole.Client), Both(Chunkings, ChunkSizes)).ToArbitrary(),
            input =>
            {
                var (frames, writerRole, (chunking, sizes)) = input;
                var output = new ArrayBufferWriter<byte>();
                var writer = new FrameWriter(output, writerRole);
                foreach (FrameSpec frame in frames)
                {
                    writer.WriteFrame(frame.Opcode, frame.Payload, frame.IsFinal, frame.ReservedBits);
                }

                var chunks = Split(output.WrittenSpan.ToArray(), chunking, sizes);
                var read = FrameBytes.ReadAllAsync(new FrameReader(new ChunkedPipeReader(chunks), ReaderOptions(Peer(writerRole)))).GetAwaiter().GetResult();

                return read.Count == frames.Length
                    && read.Zip(frames).All(pair =>
                        pair.First.Header.Opcode == pair.Second.Opcode
                        && pair.First.Header.IsFinal == pair.Second.IsFinal
                        && pair.First.Header.ReservedBits == pair.Second.ReservedBits
                        && pair.First.Header.IsMasked == (writerRole == WebSocketRole.Client)
                        && pair.First.Payload.AsSpan().SequenceEqual(pair.Second.Payload));
            });

    [Property(MaxTest = 300)]
    public Property Masking_twice_with_the_same_key_and_offset_is_the_identity() =>
        Prop.ForAll(
            All3(Bytes(Gen.Choose(0, 600)), Keys, Gen.Choose(0, 1000)).ToArbitrary(),
            input =>
            {
                var (data, key, offset) = input;
                byte[] copy = (byte[])data.Clone();
                int next = PayloadMask.Apply(copy, key, offset);
                PayloadMask.Apply(copy, key, offset);
                return copy.AsSpan().SequenceEqual(data) && next == ((offset + data.Length) & 3);
            });

    /// <summary>A header mutated to break exactly one rule, with the error that rule names.</summary>
    private static readonly Gen<(byte[] Wire, ProtocolError Expected)> BrokenFrames =
        from key in Keys
        from kind in Gen.Choose(0, 7)
        from reservedOpcode in Gen.Elements(3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF)
        from rsv in Gen.Elements(ReservedBits.Rsv1, ReservedBits.Rsv2, ReservedBits.Rsv3, ReservedBits.All)
        from controlOpcode in Gen.Elements(Opcode.Ping, Opcode.Pong, Opcode.Close)
        from longLength in Gen.Choose(126, 3000)
        select kind switch
        {
            0 => (Encode(new FrameHeader((Opcode)reservedOpcode, 3, isMasked: true, maskKey: key)), ProtocolError.ReservedOpcode),
            1 => (Encode(new FrameHeader(Opcode.Binary, 3, reservedBits: rsv, isMasked: true, maskKey: key)), ProtocolError.ReservedBitsSet),
            2 => (Encode(new FrameHeader(controlOpcode, longLength, isMasked: true, maskKey: key)), ProtocolError.ControlFrameTooLong),
            3 => (Encode(new FrameHeader(controlOpcode, 1, isFinal: false, isMasked: true, maskKey: key)), ProtocolError.FragmentedControlFrame),
            4 => (Encode(new FrameHeader(Opcode.Text, 3)), ProtocolError.UnmaskedFrameFromClient),
            5 => (new byte[] { 0x82, 0xFF, (byte)(0x80 | (key >> 25)), 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4 }, ProtocolError.PayloadLengthTopBitSet),
            6 => (Encode(new FrameHeader(Opcode.Binary, (1 << 20) + longLength, isMasked: true, maskKey: key)), ProtocolError.FrameTooLarge),
            _ => (Encode(new FrameHeader(Opcode.Binary, 10, isMasked: true, maskKey: key))[..(3 + (int)(key % 10))], ProtocolError.TruncatedFrame),
        };

    private static byte[] Encode(FrameHeader header) => FrameBytes.Encode(header, new byte[Math.Min(header.PayloadLength, 200)]);

    [Property(MaxTest = 300)]
    public Property Every_malformed_header_yields_its_own_protocol_error_in_any_chunking() =>
        Prop.ForAll(
            All3(BrokenFrames, Both(Chunkings, ChunkSizes), ControlFrames).ToArbitrary(),
            input =>
            {
                var ((broken, expected), (chunking, sizes), good) = input;
                // A valid frame first: it must still be delivered before the error.
                byte[] wire = FrameBytes.Concat(new[] { FrameBytes.Encode(HeaderOf(good, WebSocketRole.Client), good.Payload), broken });
                var reader = new FrameReader(new ChunkedPipeReader(Split(wire, chunking, sizes)), new FrameReaderOptions(WebSocketRole.Server));
                try
                {
                    bool first = reader.ReadFrameAsync().AsTask().GetAwaiter().GetResult();
                    if (!first || reader.Current.Header.Opcode != good.Opcode)
                    {
                        return false;
                    }

                    reader.ReadFrameAsync().AsTask().GetAwaiter().GetResult();
                    return false;
                }
                catch (WebSocketProtocolException exception)
                {
                    return exception.Error == expected && exception.CloseStatus == expected.ToCloseStatus();
                }
            });

    [Property(MaxTest = 500)]
    public Property Arbitrary_bytes_yield_frames_or_a_protocol_error_and_never_another_exception() =>
        Prop.ForAll(
            All3(ArbMap.Default.GeneratorFor<byte[]>().Select(b => b ?? Array.Empty<byte>()), Gen.Elements(WebSocketRole.Server, WebSocketRole.Client), ChunkSizes).ToArbitrary(),
            input =>
            {
                var (wire, role, sizes) = input;
                var options = new FrameReaderOptions(role) { MaxFramePayloadLength = 4096 };
                foreach (bool inPieces in new[] { false, true })
                {
                    var reader = new FrameReader(new ChunkedPipeReader(SegmentedSequence.Split(wire, sizes.Select(s => (s % 5) + 1))), options);
                    try
                    {
                        Task<List<(FrameHeader, byte[])>> reading = inPieces ? FrameBytes.ReadAllInPiecesAsync(reader) : FrameBytes.ReadAllAsync(reader);
                        reading.GetAwaiter().GetResult();
                    }
                    catch (WebSocketProtocolException)
                    {
                    }
                }

                return true;
            });

    private sealed class ByteArrayComparer : IEqualityComparer<byte[]>
    {
        public static readonly ByteArrayComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => obj.Length;
    }
}
