using System.Collections.Generic;
using static WebSocketProtocol.Tests.Conformance.Wire;

namespace WebSocketProtocol.Tests.Conformance;

/// <summary>Section 1, framing: text (1.1) and binary (1.2) messages at the boundaries of the 7-, 16- and 64-bit length forms.</summary>
internal static class Section1Cases
{
    private static readonly int[] Lengths = { 0, 125, 126, 127, 128, 65535, 65536 };

    public static IEnumerable<ConformanceCase> All()
    {
        for (int i = 0; i < Lengths.Length; i++)
        {
            int length = Lengths[i];
            yield return new ConformanceCase($"1.1.{i + 1}", $"Text message of {length} bytes, echoed", () =>
            {
                byte[] payload = Repeat((byte)'*', length);
                return ScriptBuilder.Create().Send(TextFrame(payload)).Expect(TextEvent(payload)).CloseNormally().Build();
            });
        }

        yield return new ConformanceCase("1.1.8", "Text message of 65536 bytes written in chops of 997 bytes, echoed", () =>
        {
            byte[] payload = Repeat((byte)'*', 65536);
            return ScriptBuilder.Create().SendChopped(997, TextFrame(payload)).Expect(TextEvent(payload)).CloseNormally().Build();
        });

        for (int i = 0; i < Lengths.Length; i++)
        {
            int length = Lengths[i];
            yield return new ConformanceCase($"1.2.{i + 1}", $"Binary message of {length} bytes, echoed", () =>
            {
                byte[] payload = Repeat(0xFE, length);
                return ScriptBuilder.Create().Send(Binary(payload)).Expect(BinaryEvent(payload)).CloseNormally().Build();
            });
        }

        yield return new ConformanceCase("1.2.8", "Binary message of 65536 bytes written in chops of 997 bytes, echoed", () =>
        {
            byte[] payload = Repeat(0xFE, 65536);
            return ScriptBuilder.Create().SendChopped(997, Binary(payload)).Expect(BinaryEvent(payload)).CloseNormally().Build();
        });
    }
}
