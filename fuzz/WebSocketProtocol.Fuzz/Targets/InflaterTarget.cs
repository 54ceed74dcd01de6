using System;
using System.IO;
using WebSocketProtocol.Extensions.Deflate;
using WebSocketProtocol.Fuzz.Support;

namespace WebSocketProtocol.Fuzz.Targets;

/// <summary>
/// DEFLATE data into the library's <see cref="Inflater"/>, in pieces of any size and into outputs of any size up to a 1 MiB
/// limit (the decompression-bomb guard's view). Every call must make progress or ask for input, and the result must match
/// the platform's zlib: the same bytes wherever both produced some, and with a 32 KiB window, a stream zlib inflates to its
/// end is inflated whole and to its end.
/// </summary>
/// <remarks>
/// Input: byte 0 bits 0-2 the window (2^(8+n) bytes), bits 3-4 how the data is cut (<see cref="ChunkPlan"/>), bits 5-7 a
/// seed; byte 1 bits 0-2 the output buffer size (1 to 32 KiB), bits 3-7 more seed. The rest is the DEFLATE data.
/// </remarks>
internal sealed class InflaterTarget : IFuzzTarget
{
    private const int OutputLimit = 1024 * 1024;
    private static readonly int[] OutputSizes = { 1, 2, 7, 64, 258, 1000, 4096, 32 * 1024 };

    public string Name => "inflater";

    public void Run(ReadOnlySpan<byte> input)
    {
        var settings = new FuzzInput(input);
        byte first = settings.TakeByte();
        byte second = settings.TakeByte();
        byte[] data = settings.Rest.ToArray();
        int windowBits = 8 + (first & 7);
        var plan = new ChunkPlan(first >> 3, (uint)((first >> 5) | (second << 3)));
        int outputSize = OutputSizes[second & 7];

        Outcome ours = InflateInPieces(data, windowBits, ref plan, outputSize);
        ZlibReference zlib = ZlibReference.Inflate(data, OutputLimit);

        // Wherever both produced bytes, they are the same bytes (a smaller window only stops ours sooner).
        int common = Math.Min(ours.Output.Length, zlib.Output.Length);
        int mismatch = ours.Output.AsSpan(0, common).CommonPrefixLength(zlib.Output.AsSpan(0, common));
        if (mismatch != common)
        {
            throw new FuzzFindingException($"The inflater and zlib differ at output byte {mismatch} (window 2^{windowBits}).");
        }

        if (windowBits != 15 || zlib.Failed || zlib.HitLimit || ours.HitLimit)
        {
            return;
        }

        if (zlib.Ended)
        {
            // The stream alone, without what follows its final block (which ours may take as a next stream).
            var whole = new ChunkPlan(0, 0);
            Outcome stream = InflateInPieces(data.AsSpan(0, zlib.Consumed).ToArray(), windowBits, ref whole, outputSize);
            if (stream.Failed || !stream.Ended || !stream.Output.AsSpan().SequenceEqual(zlib.Output))
            {
                throw new FuzzFindingException(
                    $"zlib inflates a {zlib.Consumed}-byte stream to {zlib.Output.Length} bytes; the inflater {(stream.Failed ? "rejects it" : stream.Ended ? "makes other bytes" : "does not see its end")} ({stream.Output.Length} bytes).");
            }
        }

        // A stream zlib has not finished is not compared further: zlib finds some errors only later than this inflater
        // does (a code length code with no codes at all fails at zlib's end of the header, here at its first use).
    }

    private static Outcome InflateInPieces(byte[] data, int windowBits, ref ChunkPlan plan, int outputSize)
    {
        var inflater = new Inflater(windowBits);
        byte[] buffer = new byte[outputSize];
        var output = new MemoryStream();
        int position = 0;
        while (true)
        {
            int size = position == data.Length ? 0 : plan.Next(data.Length - position);
            ReadOnlySpan<byte> piece = data.AsSpan(position, size);
            position += size;

            // Drain this piece: the inflater stops when the input is used up, the output is full, or the data is bad.
            while (true)
            {
                InflateStatus status = inflater.Inflate(piece, buffer, out int consumed, out int written);
                if (consumed < 0 || consumed > piece.Length || written < 0 || written > buffer.Length)
                {
                    throw new FuzzFindingException($"Inflate reported {consumed} of {piece.Length} bytes consumed and {written} of {buffer.Length} written.");
                }

                output.Write(buffer, 0, written);
                piece = piece.Slice(consumed);
                if (output.Length >= OutputLimit)
                {
                    return new Outcome(output.ToArray(), Failed: false, Ended: false, HitLimit: true);
                }

                if (status == InflateStatus.InvalidData)
                {
                    return new Outcome(output.ToArray(), Failed: true, Ended: false, HitLimit: false);
                }

                if (status == InflateStatus.NeedsInput)
                {
                    if (!piece.IsEmpty)
                    {
                        throw new FuzzFindingException($"Inflate asked for input with {piece.Length} bytes of it left.");
                    }

                    break;
                }

                if (written == 0)
                {
                    // OutputFull into a non-empty buffer that took nothing: the caller would call again forever.
                    throw new FuzzFindingException("Inflate said the output was full but wrote nothing.");
                }
            }

            if (position == data.Length && size == 0)
            {
                return new Outcome(output.ToArray(), Failed: false, Ended: inflater.IsStreamEnded, HitLimit: false);
            }
        }
    }

    private sealed record Outcome(byte[] Output, bool Failed, bool Ended, bool HitLimit);
}
