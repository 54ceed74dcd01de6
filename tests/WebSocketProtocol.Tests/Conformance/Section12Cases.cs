using System;
using System.Collections.Generic;
using System.Linq;

namespace WebSocketProtocol.Tests.Conformance;

/// <summary>
/// Section 12, permessage-deflate over different kinds of data, with the default offer (<c>permessage-deflate;
/// client_max_window_bits</c>): for each of five kinds (<see cref="DeflatePayloads"/>), messages of 16 B to 128 KiB sent
/// compressed and echoed (cases 1-10), then the same from 256 B up with the peer's compressed data cut into 256-byte frames
/// and the implementation fragmenting its echo every 1 KiB (cases 11-18). Autobahn sends 1000 messages per case; this
/// bounds each case to about 1 MiB of data (at most 100 messages, at least 8).
/// </summary>
internal static class Section12Cases
{
    private static readonly int[] Sizes = { 16, 64, 256, 1024, 4096, 8192, 16384, 32768, 65536, 131072 };

    public static IEnumerable<ConformanceCase> All()
    {
        foreach (DeflatePayloads.Kind kind in Enum.GetValues<DeflatePayloads.Kind>())
        {
            string group = $"12.{(int)kind + 1}";
            foreach (var (number, size, fragmented) in Layout())
            {
                yield return Echoes($"{group}.{number}", kind, size, fragmented, new DeflateOffer(false, 0));
            }
        }
    }

    /// <summary>The 18 cases of a subsection: every size whole, then sizes from 256 B in fragments.</summary>
    public static IEnumerable<(int Number, int Size, bool Fragmented)> Layout()
    {
        int number = 1;
        foreach (int size in Sizes)
        {
            yield return (number++, size, false);
        }

        foreach (int size in Sizes.Where(size => size >= 256))
        {
            yield return (number++, size, true);
        }
    }

    /// <summary>Compressed messages of one kind and size, each echoed, under the given offers.</summary>
    public static ConformanceCase Echoes(string id, DeflatePayloads.Kind kind, int size, bool fragmented, params DeflateOffer[] offers)
    {
        int count = Math.Clamp((1024 * 1024) / size, 8, 100);
        string how = fragmented ? ", compressed data in 256-byte frames, echo fragmented every 1 KiB" : string.Empty;
        return new ConformanceCase(id, $"{count} messages of {size} B of {DeflatePayloads.Describe(kind)} compressed{how}, offer {string.Join(", ", offers.AsEnumerable())}: echoed", () =>
        {
            bool text = DeflatePayloads.IsText(kind);
            ScriptBuilder script = ScriptBuilder.Create().Deflate(offers);
            var expected = new List<PeerEvent>();
            for (int i = 0; i < count; i++)
            {
                byte[] message = DeflatePayloads.Message(kind, size, i);
                script.SendMessage(text, message, fragmented ? 256 : 0);
                expected.Add(text ? Wire.TextEvent(message) : Wire.BinaryEvent(message));
            }

            if (fragmented)
            {
                script.FragmentSize(1024);
            }

            return script.Expect(expected).CloseNormally().Build();
        });
    }
}
