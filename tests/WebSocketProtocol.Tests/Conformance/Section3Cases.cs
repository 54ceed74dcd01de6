using System.Collections.Generic;
using static WebSocketProtocol.Tests.Conformance.Wire;

namespace WebSocketProtocol.Tests.Conformance;

/// <summary>
/// Section 3, reserved bits: with no extension negotiated, any RSV bit fails the connection with 1002. Messages that came
/// before the bad frame are still echoed, and nothing after it (a ping) is answered.
/// </summary>
internal static class Section3Cases
{
    private const string Hello = "Hello, world!";

    public static IEnumerable<ConformanceCase> All()
    {
        yield return new ConformanceCase("3.1", "Text message with RSV = 1 (RSV3): failed with 1002", () =>
            ScriptBuilder.Create().Send(TextFrame(Utf8(Hello), rsv: Rsv(1))).Fails(1002).Build());

        yield return new ConformanceCase("3.2", "Text message, then one with RSV = 2 (RSV2), then a ping: first echoed, then 1002, no pong", () =>
            ScriptBuilder.Create()
                .SendTogether(TextFrame(Hello), TextFrame(Utf8(Hello), rsv: Rsv(2)), Ping())
                .Expect(TextEvent(Hello)).Fails(1002).Build());

        yield return new ConformanceCase("3.3", "As 3.2 with RSV = 3, each frame in its own write", () =>
            ScriptBuilder.Create()
                .Send(TextFrame(Hello), TextFrame(Utf8(Hello), rsv: Rsv(3)), Ping())
                .Expect(TextEvent(Hello)).Fails(1002).Build());

        yield return new ConformanceCase("3.4", "As 3.2 with RSV = 4 (RSV1), written one byte at a time", () =>
            ScriptBuilder.Create()
                .SendChopped(1, TextFrame(Hello), TextFrame(Utf8(Hello), rsv: Rsv(4)), Ping())
                .Expect(TextEvent(Hello)).Fails(1002).Build());

        yield return new ConformanceCase("3.5", "Binary message with RSV = 5: failed with 1002", () =>
            ScriptBuilder.Create().Send(Binary(Repeat(0xFF, 8), rsv: Rsv(5))).Fails(1002).Build());

        yield return new ConformanceCase("3.6", "Ping with RSV = 6: failed with 1002, no pong", () =>
            ScriptBuilder.Create().Send(Ping(Utf8("ping payload"), rsv: Rsv(6))).Fails(1002).Build());

        yield return new ConformanceCase("3.7", "Close frame with RSV = 7: failed with 1002", () =>
            ScriptBuilder.Create().Send(CloseRaw(CloseBody(1000), Rsv(7))).Fails(1002).Build());
    }
}
