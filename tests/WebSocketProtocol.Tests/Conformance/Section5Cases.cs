using System;
using System.Collections.Generic;
using static WebSocketProtocol.Tests.Conformance.Wire;

namespace WebSocketProtocol.Tests.Conformance;

/// <summary>
/// Section 5, fragmentation: control frames may not be fragmented but may come between fragments; a continuation needs a
/// message to continue and a new message may not start inside one (1002 otherwise); how the bytes are chopped on the
/// wire never matters.
/// </summary>
internal static class Section5Cases
{
    public static IEnumerable<ConformanceCase> All()
    {
        yield return new ConformanceCase("5.1", "Ping fragmented into 2 frames: failed with 1002", () =>
            ScriptBuilder.Create().Send(Ping(Utf8("fragment1"), fin: false), Cont("fragment2", fin: true)).Fails(1002).Build());

        yield return new ConformanceCase("5.2", "Pong fragmented into 2 frames: failed with 1002", () =>
            ScriptBuilder.Create().Send(Frame(PongOp, Utf8("fragment1"), fin: false), Cont("fragment2", fin: true)).Fails(1002).Build());

        FrameSpec[] TwoFragments() => new[] { TextFrame("fragment1", fin: false), Cont("fragment2", fin: true) };
        yield return new ConformanceCase("5.3", "Text message in 2 fragments, in one write: echoed whole", () =>
            ScriptBuilder.Create().SendTogether(TwoFragments()).Expect(TextEvent("fragment1fragment2")).CloseNormally().Build());
        yield return new ConformanceCase("5.4", "Text message in 2 fragments, one write per frame: echoed whole", () =>
            ScriptBuilder.Create().Send(TwoFragments()).Expect(TextEvent("fragment1fragment2")).CloseNormally().Build());
        yield return new ConformanceCase("5.5", "Text message in 2 fragments, written one byte at a time: echoed whole", () =>
            ScriptBuilder.Create().SendChopped(1, TwoFragments()).Expect(TextEvent("fragment1fragment2")).CloseNormally().Build());

        FrameSpec[] WithPing() => new[] { TextFrame("fragment1", fin: false), Ping("ping payload"), Cont("fragment2", fin: true) };
        PeerEvent[] PongThenEcho() => new[] { PongEvent("ping payload"), TextEvent("fragment1fragment2") };
        yield return new ConformanceCase("5.6", "Text message in 2 fragments with a ping between, in one write: pong, then the echo", () =>
            ScriptBuilder.Create().SendTogether(WithPing()).Expect(PongThenEcho()).CloseNormally().Build());
        yield return new ConformanceCase("5.7", "As 5.6, one write per frame", () =>
            ScriptBuilder.Create().Send(WithPing()).Expect(PongThenEcho()).CloseNormally().Build());
        yield return new ConformanceCase("5.8", "As 5.6, written one byte at a time", () =>
            ScriptBuilder.Create().SendChopped(1, WithPing()).Expect(PongThenEcho()).CloseNormally().Build());

        FrameSpec[] StrayFinalContinuation() => new[] { Cont("non-continuation payload", fin: true), TextFrame("Hello, world!") };
        yield return new ConformanceCase("5.9", "Continuation with FIN and nothing to continue, then a text message, in one write: 1002", () =>
            ScriptBuilder.Create().SendTogether(StrayFinalContinuation()).Fails(1002).Build());
        yield return new ConformanceCase("5.10", "As 5.9, one write per frame", () =>
            ScriptBuilder.Create().Send(StrayFinalContinuation()).Fails(1002).Build());
        yield return new ConformanceCase("5.11", "As 5.9, written one byte at a time", () =>
            ScriptBuilder.Create().SendChopped(1, StrayFinalContinuation()).Fails(1002).Build());

        FrameSpec[] StrayContinuation() => new[] { Cont("non-continuation payload", fin: false), TextFrame("Hello, world!") };
        yield return new ConformanceCase("5.12", "Continuation without FIN and nothing to continue, then a text message, in one write: 1002", () =>
            ScriptBuilder.Create().SendTogether(StrayContinuation()).Fails(1002).Build());
        yield return new ConformanceCase("5.13", "As 5.12, one write per frame", () =>
            ScriptBuilder.Create().Send(StrayContinuation()).Fails(1002).Build());
        yield return new ConformanceCase("5.14", "As 5.12, written one byte at a time", () =>
            ScriptBuilder.Create().SendChopped(1, StrayContinuation()).Fails(1002).Build());

        yield return new ConformanceCase("5.15", "Text in 2 fragments, then a continuation with nothing to continue, then text, in one write: echo, then 1002", () =>
            ScriptBuilder.Create()
                .SendTogether(TextFrame("fragment1", fin: false), Cont("fragment2", fin: true), Cont("fragment3", fin: false), TextFrame("fragment4"))
                .Expect(TextEvent("fragment1fragment2")).Fails(1002).Build());

        yield return new ConformanceCase("5.16", "Twice: a continuation without FIN and nothing to continue, then text in 2 fragments: 1002", () =>
            ScriptBuilder.Create()
                .SendTogether(
                    Cont("fragment1", fin: false), TextFrame("fragment2", fin: false), Cont("fragment3", fin: true),
                    Cont("fragment1", fin: false), TextFrame("fragment2", fin: false), Cont("fragment3", fin: true))
                .Fails(1002).Build());

        yield return new ConformanceCase("5.17", "Twice: a continuation with FIN and nothing to continue, then text in 2 fragments: 1002", () =>
            ScriptBuilder.Create()
                .SendTogether(
                    Cont("fragment1", fin: true), TextFrame("fragment2", fin: false), Cont("fragment3", fin: true),
                    Cont("fragment1", fin: true), TextFrame("fragment2", fin: false), Cont("fragment3", fin: true))
                .Fails(1002).Build());

        yield return new ConformanceCase("5.18", "Text in 2 fragments whose second frame is a text frame, not a continuation: 1002", () =>
            ScriptBuilder.Create().SendTogether(TextFrame("fragment1", fin: false), TextFrame("fragment2", fin: true)).Fails(1002).Build());

        foreach ((string id, bool perFrame) in new[] { ("5.19", false), ("5.20", true) })
        {
            yield return new ConformanceCase(
                id,
                "Text in 5 fragments with a ping after the 2nd and after the 4th, pausing before the 3rd: the first pong comes while the message is open"
                    + (perFrame ? ", one write per frame" : ", frames of each burst in one write"),
                () =>
                {
                    ScriptBuilder script = ScriptBuilder.Create();
                    FrameSpec[] first = { TextFrame("fragment1", fin: false), Cont("fragment2", fin: false), Ping("pongme 1!") };
                    FrameSpec[] second = { Cont("fragment3", fin: false), Cont("fragment4", fin: false), Ping("pongme 2!"), Cont("fragment5", fin: true) };
                    _ = perFrame ? script.Send(first) : script.SendTogether(first);
                    script.AwaitEvents(1, "The ping inside a fragmented message was not answered before the message ended");
                    script.Pause(TimeSpan.FromMilliseconds(500));
                    _ = perFrame ? script.Send(second) : script.SendTogether(second);
                    return script
                        .Expect(PongEvent("pongme 1!"), PongEvent("pongme 2!"), TextEvent("fragment1fragment2fragment3fragment4fragment5"))
                        .CloseNormally().Build();
                });
        }
    }
}
