using System.Collections.Generic;
using System.Linq;
using static WebSocketProtocol.Tests.Conformance.Wire;

namespace WebSocketProtocol.Tests.Conformance;

/// <summary>Section 2, pings and pongs: every ping answered with its payload, oversized pings refused, pongs absorbed.</summary>
internal static class Section2Cases
{
    public static IEnumerable<ConformanceCase> All()
    {
        yield return new ConformanceCase("2.1", "Ping without payload: a pong without payload comes back", () =>
            ScriptBuilder.Create().Send(Ping()).Expect(PongEvent()).CloseNormally().Build());

        yield return new ConformanceCase("2.2", "Ping with a small text payload: the pong carries it", () =>
            ScriptBuilder.Create().Send(Ping("Hello, world!")).Expect(PongEvent("Hello, world!")).CloseNormally().Build());

        yield return new ConformanceCase("2.3", "Ping with a small binary payload: the pong carries it", () =>
        {
            byte[] payload = Hex("00 ff fe fd fc fb 00 ff");
            return ScriptBuilder.Create().Send(Ping(payload)).Expect(PongEvent(payload)).CloseNormally().Build();
        });

        yield return new ConformanceCase("2.4", "Ping with 125 bytes of binary payload, the most a control frame holds", () =>
        {
            byte[] payload = Repeat(0xFE, 125);
            return ScriptBuilder.Create().Send(Ping(payload)).Expect(PongEvent(payload)).CloseNormally().Build();
        });

        yield return new ConformanceCase("2.5", "Ping with 126 bytes of payload: a control frame too long, failed with 1002 and no pong", () =>
            ScriptBuilder.Create().Send(Ping(Repeat(0xFE, 126))).Fails(1002).Build());

        yield return new ConformanceCase("2.6", "Ping with 125 bytes of payload written one byte at a time", () =>
        {
            byte[] payload = Repeat(0xFE, 125);
            return ScriptBuilder.Create().SendChopped(1, Ping(payload)).Expect(PongEvent(payload)).CloseNormally().Build();
        });

        yield return new ConformanceCase("2.7", "Unsolicited pong without payload: ignored", () =>
            ScriptBuilder.Create().Send(Pong()).CloseNormally().Build());

        yield return new ConformanceCase("2.8", "Unsolicited pong with payload: ignored", () =>
            ScriptBuilder.Create().Send(Pong("unsolicited pong payload")).CloseNormally().Build());

        yield return new ConformanceCase("2.9", "Unsolicited pong, then a ping: only the ping is answered", () =>
            ScriptBuilder.Create().Send(Pong("unsolicited pong payload"), Ping("ping payload")).Expect(PongEvent("ping payload")).CloseNormally().Build());

        // Autobahn expects a pong for every one of the ten pings (the spec would allow answering only the last one, but the
        // catalogue checks for all of them), in order.
        yield return new ConformanceCase("2.10", "Ten pings in a row, each with its own payload: ten pongs in order", () =>
        {
            FrameSpec[] pings = Enumerable.Range(0, 10).Select(i => Ping($"payload-{i}")).ToArray();
            PeerEvent[] pongs = Enumerable.Range(0, 10).Select(i => PongEvent($"payload-{i}")).ToArray();
            return ScriptBuilder.Create().Send(pings).Expect(pongs).CloseNormally().Build();
        });

        yield return new ConformanceCase("2.11", "Ten pings in a row written one byte at a time: ten pongs in order", () =>
        {
            FrameSpec[] pings = Enumerable.Range(0, 10).Select(i => Ping($"payload-{i}")).ToArray();
            PeerEvent[] pongs = Enumerable.Range(0, 10).Select(i => PongEvent($"payload-{i}")).ToArray();
            return ScriptBuilder.Create().SendChopped(1, pings).Expect(pongs).CloseNormally().Build();
        });
    }
}
