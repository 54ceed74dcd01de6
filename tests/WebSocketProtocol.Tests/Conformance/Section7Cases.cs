using System.Collections.Generic;
using System.Globalization;
using static WebSocketProtocol.Tests.Conformance.Wire;

namespace WebSocketProtocol.Tests.Conformance;

/// <summary>
/// Section 7, closing: nothing after a close frame is processed; a close body is empty or a code and a UTF-8 reason of at
/// most 123 bytes; valid codes are echoed, codes that may not appear on the wire fail the connection with 1002.
/// </summary>
internal static class Section7Cases
{
    private static readonly ushort[] ValidCodes = { 1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999 };

    private static readonly ushort[] InvalidCodes = { 0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999 };

    public static IEnumerable<ConformanceCase> All()
    {
        yield return new ConformanceCase("7.1.1", "Text message, then close 1000: the echo, then close 1000", () =>
            ScriptBuilder.Create().Send(TextFrame("Hello World!"), Close(1000)).Expect(TextEvent("Hello World!")).Answers(1000).Build());

        yield return new ConformanceCase("7.1.2", "Two close frames in one write: one close 1000 back, the second ignored", () =>
            ScriptBuilder.Create().SendTogether(Close(1000), Close(1000)).Answers(1000).Build());

        yield return new ConformanceCase("7.1.3", "Close, then a ping in the same write: no pong after the close", () =>
            ScriptBuilder.Create().SendTogether(Close(1000), Ping("Hello World!")).Answers(1000).Build());

        yield return new ConformanceCase("7.1.4", "Close, then a text message in the same write: the text is not echoed", () =>
            ScriptBuilder.Create().SendTogether(Close(1000), TextFrame("Hello World!")).Answers(1000).Build());

        yield return new ConformanceCase("7.1.5", "First fragment of a text message, close, then the last fragment: nothing echoed", () =>
            ScriptBuilder.Create().SendTogether(TextFrame("fragment1", fin: false), Close(1000), Cont("fragment2", fin: true)).Answers(1000).Build());

        // Autobahn leaves the outcome to the implementation: the close may be acted on before the echoes go out.
        yield return new ConformanceCase("7.1.6", "256 KiB text, a short text, close and ping in one write: echoes (all, some or none), then close 1000", () =>
        {
            byte[] large = AsciiPattern(256 * 1024);
            return ScriptBuilder.Create()
                .SendTogether(TextFrame(large), TextFrame("Hello World!"), Close(1000), Ping())
                .Expect(TextEvent(large), TextEvent("Hello World!"))
                .Expect(TextEvent(large))
                .Expect()
                .Answers(1000).Build();
        });

        yield return new ConformanceCase("7.3.1", "Close without a body: an empty close or 1000 back", () =>
            ScriptBuilder.Create().Send(CloseRaw(System.Array.Empty<byte>()))
                .Closing(new CloseRule(false, new ushort[] { 1000 }, EmptyBodyOk: true, DropOk: false, RequireClean: true)).Build());

        yield return new ConformanceCase("7.3.2", "Close with a 1-byte body: 1002", () =>
            ScriptBuilder.Create().Send(CloseRaw(new byte[] { 0x03 })).Fails(1002).Build());

        yield return new ConformanceCase("7.3.3", "Close 1000 without a reason: 1000 back", () =>
            ScriptBuilder.Create().Send(Close(1000)).Answers(1000).Build());

        yield return new ConformanceCase("7.3.4", "Close 1000 with a short reason: 1000 back", () =>
            ScriptBuilder.Create().Send(Close(1000, "Hello World!")).Answers(1000).Build());

        yield return new ConformanceCase("7.3.5", "Close 1000 with a 123-byte reason (a 125-byte body, the most allowed): 1000 back", () =>
            ScriptBuilder.Create().Send(Close(1000, new string('*', 123))).Answers(1000).Build());

        yield return new ConformanceCase("7.3.6", "Close 1000 with a 124-byte reason (a 126-byte control frame): 1002", () =>
            ScriptBuilder.Create().Send(CloseRaw(CloseBody(1000, new string('*', 124)))).Fails(1002).Build());

        yield return new ConformanceCase("7.5.1", "Close 1000 whose reason is invalid UTF-8 (\"κόσμε\", a surrogate, \"edited\"): 1007", () =>
            ScriptBuilder.Create().Send(CloseRaw(CloseBody(1000, Concat(Utf8Vectors.Kosme, Hex("ed a0 80"), Utf8("edited"))))).Fails(1007).Build());

        for (int i = 0; i < ValidCodes.Length; i++)
        {
            ushort code = ValidCodes[i];
            yield return new ConformanceCase($"7.7.{i + 1}", $"Close with the valid code {code}: the code is echoed", () =>
                ScriptBuilder.Create().Send(Close(code)).Answers(code).Build());
        }

        for (int i = 0; i < InvalidCodes.Length; i++)
        {
            ushort code = InvalidCodes[i];
            yield return new ConformanceCase($"7.9.{i + 1}", $"Close with the code {code}, which may not appear on the wire: 1002", () =>
                ScriptBuilder.Create().Send(CloseRaw(CloseBody(code))).Fails(1002).Build());
        }

        // Autobahn lists these as informational; RFC 6455 section 7.4.2 leaves nothing above 4999 defined, so a strict
        // endpoint fails them like the codes of 7.9.
        ushort[] outOfRange = { 5000, 65535 };
        for (int i = 0; i < outOfRange.Length; i++)
        {
            ushort code = outOfRange[i];
            yield return new ConformanceCase($"7.13.{i + 1}", $"Close with the code {code.ToString(CultureInfo.InvariantCulture)}, above the defined range: 1002", () =>
                ScriptBuilder.Create().Send(CloseRaw(CloseBody(code))).Fails(1002).Build());
        }
    }
}
