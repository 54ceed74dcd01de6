using System.Collections.Generic;
using System.Linq;
using static WebSocketProtocol.Tests.Conformance.Wire;

namespace WebSocketProtocol.Tests.Conformance;

/// <summary>
/// Section 9, limits and performance, bounded to keep the run short: large single-frame messages up to the 16 MiB limit
/// (9.1, 9.2), 4 MiB messages in fragments down to 64 bytes, i.e. 65,536 frames (9.3, 9.4), 1 MiB messages chopped into
/// small writes (9.5, 9.6), and 1000 round trips of small messages (9.7, 9.8). Text payloads are ASCII, binary ones cover
/// every byte value.
/// </summary>
internal static class Section9Cases
{
    private const int KiB = 1024;
    private const int MiB = 1024 * 1024;

    private static readonly int[] LargeSizes = { 64 * KiB, 256 * KiB, 1 * MiB, 4 * MiB, 8 * MiB, 16 * MiB };
    private static readonly int[] FragmentSizes = { 64, 256, 1 * KiB, 4 * KiB, 16 * KiB, 64 * KiB, 256 * KiB, 1 * MiB, 4 * MiB };
    private static readonly int[] ChopSizes = { 64, 128, 256, 512, 1024, 2048 };
    private static readonly int[] RoundTripSizes = { 0, 16, 64, 256, 1 * KiB, 4 * KiB };
    private const int RoundTripCount = 1000;

    public static IEnumerable<ConformanceCase> All()
    {
        foreach ((string group, bool text) in new[] { ("9.1", true), ("9.2", false) })
        {
            for (int i = 0; i < LargeSizes.Length; i++)
            {
                int size = LargeSizes[i];
                yield return new ConformanceCase($"{group}.{i + 1}", $"{Kind(text)} message of {Size(size)} in one frame, echoed", () =>
                {
                    byte[] payload = Payload(text, size);
                    return ScriptBuilder.Create().Send(Message(text, payload)).Expect(Event(text, payload)).CloseNormally().Build();
                });
            }
        }

        foreach ((string group, bool text) in new[] { ("9.3", true), ("9.4", false) })
        {
            for (int i = 0; i < FragmentSizes.Length; i++)
            {
                int fragment = FragmentSizes[i];
                yield return new ConformanceCase($"{group}.{i + 1}", $"{Kind(text)} message of 4 MiB in fragments of {Size(fragment)} ({4 * MiB / fragment} frames), echoed", () =>
                {
                    byte[] payload = Payload(text, 4 * MiB);
                    return ScriptBuilder.Create()
                        .SendTogether(Fragments(text ? TextOp : BinaryOp, payload, fragment))
                        .Expect(Event(text, payload)).CloseNormally().Build();
                });
            }
        }

        foreach ((string group, bool text) in new[] { ("9.5", true), ("9.6", false) })
        {
            for (int i = 0; i < ChopSizes.Length; i++)
            {
                int chop = ChopSizes[i];
                yield return new ConformanceCase($"{group}.{i + 1}", $"{Kind(text)} message of 1 MiB in one frame, written {chop} bytes at a time, echoed", () =>
                {
                    byte[] payload = Payload(text, 1 * MiB);
                    return ScriptBuilder.Create().SendChopped(chop, Message(text, payload)).Expect(Event(text, payload)).CloseNormally().Build();
                });
            }
        }

        foreach ((string group, bool text) in new[] { ("9.7", true), ("9.8", false) })
        {
            for (int i = 0; i < RoundTripSizes.Length; i++)
            {
                int size = RoundTripSizes[i];
                yield return new ConformanceCase($"{group}.{i + 1}", $"{RoundTripCount} {Kind(text).ToLowerInvariant()} messages of {Size(size)}, each sent once the previous echo is back", () =>
                {
                    byte[] payload = Payload(text, size);
                    PeerEvent echo = Event(text, payload);
                    return ScriptBuilder.Create()
                        .RoundTrips(Message(text, payload), RoundTripCount)
                        .Expect(Enumerable.Repeat(echo, RoundTripCount).ToArray()).CloseNormally().Build();
                });
            }
        }
    }

    private static string Kind(bool text) => text ? "Text" : "Binary";

    private static string Size(int bytes) =>
        bytes >= MiB && bytes % MiB == 0 ? $"{bytes / MiB} MiB" : bytes >= KiB && bytes % KiB == 0 ? $"{bytes / KiB} KiB" : $"{bytes} B";

    private static byte[] Payload(bool text, int size) => text ? AsciiPattern(size) : BinaryPattern(size);

    private static FrameSpec Message(bool text, byte[] payload) => text ? TextFrame(payload) : Binary(payload);

    private static PeerEvent Event(bool text, byte[] payload) => text ? TextEvent(payload) : BinaryEvent(payload);
}
