using System.Collections.Generic;
using System.Linq;
using static WebSocketProtocol.Tests.Conformance.Wire;

namespace WebSocketProtocol.Tests.Conformance;

/// <summary>
/// Section 10, auto-fragmentation: with <see cref="Connection.WebSocketConnectionOptions.FragmentSize"/> set to 1300, the
/// implementation's echo of a 64 KiB message leaves in 1300-byte frames, and the peer reassembles the original message.
/// </summary>
internal static class Section10Cases
{
    private const int FragmentSize = 1300;

    public static IEnumerable<ConformanceCase> All()
    {
        yield return new ConformanceCase("10.1.1", "Text message of 65536 bytes sent in 1300-byte fragments; the echo comes back in 1300-byte fragments too", () =>
        {
            byte[] payload = AsciiPattern(65536);
            return ScriptBuilder.Create()
                .SendTogether(Fragments(TextOp, payload, FragmentSize))
                .Expect(TextEvent(payload, Frames(payload.Length)))
                .FragmentSize(FragmentSize).CloseNormally().Build();
        });

        yield return new ConformanceCase("10.1.2", "Binary message of 65536 bytes in one frame; the echo comes back in 1300-byte fragments", () =>
        {
            byte[] payload = BinaryPattern(65536);
            return ScriptBuilder.Create()
                .Send(Binary(payload))
                .Expect(BinaryEvent(payload, Frames(payload.Length)))
                .FragmentSize(FragmentSize).CloseNormally().Build();
        });

        // 3-byte code points against 1300-byte fragments: the implementation's fragments split code points (allowed: text
        // is valid per message), and the peer must still get the exact text back.
        yield return new ConformanceCase("10.1.3", "Text message of 21846 euro signs (65538 bytes); the echo is fragmented across code points and reassembles exactly", () =>
        {
            byte[] payload = Utf8(string.Concat(Enumerable.Repeat("€", 21846)));
            return ScriptBuilder.Create()
                .Send(TextFrame(payload))
                .Expect(TextEvent(payload, Frames(payload.Length)))
                .FragmentSize(FragmentSize).CloseNormally().Build();
        });
    }

    private static int Frames(int length) => (length + FragmentSize - 1) / FragmentSize;
}
