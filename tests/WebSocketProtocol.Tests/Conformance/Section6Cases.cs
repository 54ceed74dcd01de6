using System;
using System.Collections.Generic;
using System.Linq;
using static WebSocketProtocol.Tests.Conformance.Wire;

namespace WebSocketProtocol.Tests.Conformance;

/// <summary>
/// Section 6, UTF-8: valid text is echoed however it is fragmented; invalid text fails the connection with 1007, and fails
/// it fast: when the first byte that cannot continue valid UTF-8 arrives, before the rest of the message is sent.
/// </summary>
/// <remarks>
/// Every vector of <see cref="Utf8Vectors"/> runs as one frame ("6.x.y"), as one frame per byte ("6.x.y/octets": a split
/// at every byte position), and when invalid before its end as two fail-fast checks: the prefix up to the bad byte as a
/// non-final fragment ("6.x.y/failfast-fragment") and as the first part of a single frame ("6.x.y/failfast-chop"),
/// each followed by a wait for the close before the rest is sent.
/// </remarks>
internal static class Section6Cases
{
    private static readonly byte[] HelloUtf8 = Utf8("Hello-µ@ßöäüàá-UTF-8!!");

    public static IEnumerable<ConformanceCase> All()
    {
        yield return new ConformanceCase("6.1.1", "Empty text message, echoed", () =>
            ScriptBuilder.Create().Send(TextFrame("")).Expect(TextEvent("")).CloseNormally().Build());

        yield return new ConformanceCase("6.1.2", "Text message of 3 empty fragments, echoed empty", () =>
            ScriptBuilder.Create().Send(TextFrame("", fin: false), Cont("", fin: false), Cont("", fin: true)).Expect(TextEvent("")).CloseNormally().Build());

        yield return new ConformanceCase("6.1.3", "Text message of an empty, a non-empty and an empty fragment, echoed", () =>
            ScriptBuilder.Create().Send(TextFrame("", fin: false), Cont("middle frame payload", fin: false), Cont("", fin: true))
                .Expect(TextEvent("middle frame payload")).CloseNormally().Build());

        yield return new ConformanceCase("6.2.1", "Valid multi-byte text in one frame, echoed", () =>
            ScriptBuilder.Create().Send(TextFrame(HelloUtf8)).Expect(TextEvent(HelloUtf8)).CloseNormally().Build());

        yield return new ConformanceCase("6.2.2", "Valid multi-byte text in 2 fragments split between code points, echoed", () =>
            ScriptBuilder.Create().Send(TextFrame(HelloUtf8[..14], fin: false), Cont(HelloUtf8[14..], fin: true)).Expect(TextEvent(HelloUtf8)).CloseNormally().Build());

        yield return new ConformanceCase("6.2.3", "Valid multi-byte text in one fragment per byte (code points split across frames), echoed", () =>
            ScriptBuilder.Create().Send(Fragments(TextOp, HelloUtf8, 1)).Expect(TextEvent(HelloUtf8)).CloseNormally().Build());

        yield return new ConformanceCase("6.2.4", "\"κόσμε\" in one fragment per byte, echoed", () =>
            ScriptBuilder.Create().Send(Fragments(TextOp, Utf8Vectors.Kosme, 1)).Expect(TextEvent(Utf8Vectors.Kosme)).CloseNormally().Build());

        byte[] kosmeSurrogateEdited = Concat(Utf8Vectors.Kosme, Hex("ed a0 80"), Utf8("edited"));
        yield return new ConformanceCase("6.3.1", "\"κόσμε\", a surrogate, \"edited\" in one frame: 1007", () =>
            ScriptBuilder.Create().Send(TextFrame(kosmeSurrogateEdited)).Fails(1007).Build());

        yield return new ConformanceCase("6.3.2", "As 6.3.1 in one fragment per byte: 1007", () =>
            ScriptBuilder.Create().Send(Fragments(TextOp, kosmeSurrogateEdited, 1)).Fails(1007).Build());

        // 6.4: fail fast. The parts are "κόσμε", U+110000 (f4 90 80 80), "edited"; 0x90 is the byte that cannot follow f4.
        byte[] kosme = Utf8Vectors.Kosme;
        byte[] beyond = Hex("f4 90 80 80");
        byte[] edited = Utf8("edited");
        byte[] whole = Concat(kosme, beyond, edited);
        yield return new ConformanceCase("6.4.1", "Fragments \"κόσμε\", U+110000, \"edited\", pausing after each: 1007 after the 2nd, before the 3rd is sent", () =>
            ScriptBuilder.Create()
                .Send(TextFrame(kosme, fin: false)).Add(new ExpectOpenStep(TimeSpan.FromMilliseconds(300), "the fragment \"κόσμε\""))
                .Send(Cont(beyond, fin: false)).AwaitFailure("the fragment with U+110000")
                .Send(Cont(edited, fin: true)).Fails(1007).Build());

        yield return new ConformanceCase("6.4.2", "Fragments \"κόσμε\" f4, then 90, then 80 80 \"edited\": 1007 on the 90 fragment, before the rest is sent", () =>
            ScriptBuilder.Create()
                .Send(TextFrame(whole[..12], fin: false)).Add(new ExpectOpenStep(TimeSpan.FromMilliseconds(300), "the fragment \"κόσμε\" f4"))
                .Send(Cont(whole[12..13], fin: false)).AwaitFailure("the fragment with byte 90 after f4")
                .Send(Cont(whole[13..], fin: true)).Fails(1007).Build());

        yield return new ConformanceCase("6.4.3", "One frame written in 3 parts \"κόσμε\" / U+110000 / \"edited\": 1007 after the 2nd part, before the 3rd", () =>
            ScriptBuilder.Create()
                .SendInParts(TextFrame(whole), new[] { kosme.Length, kosme.Length + beyond.Length }, new FailFastGap("the part with U+110000", kosme.Length))
                .Fails(1007).Build());

        yield return new ConformanceCase("6.4.4", "One frame written in 3 parts \"κόσμε\" f4 / 90 / 80 80 \"edited\": 1007 after the byte 90, before the rest", () =>
            ScriptBuilder.Create()
                .SendInParts(TextFrame(whole), new[] { 12, 13 }, new FailFastGap("the part with byte 90 after f4", 12))
                .Fails(1007).Build());

        foreach (Utf8Vector vector in Utf8Vectors.All)
        {
            foreach (ConformanceCase variant in Variants(vector))
            {
                yield return variant;
            }
        }
    }

    private static IEnumerable<ConformanceCase> Variants(Utf8Vector vector)
    {
        string verdict = vector.Valid ? "echoed" : "1007";
        yield return new ConformanceCase(vector.Id, $"Text in one frame, {vector.Description}: {verdict}", () =>
            Outcome(ScriptBuilder.Create().Send(TextFrame(vector.Bytes)), vector));

        if (vector.Bytes.Length > 1)
        {
            yield return new ConformanceCase(vector.Id + "/octets", $"Text in one frame per byte, {vector.Description}: {verdict}", () =>
                Outcome(ScriptBuilder.Create().Send(Fragments(TextOp, vector.Bytes, 1)), vector));
        }

        if (Utf8Vectors.FirstBadByte(vector.Bytes) is not { } bad)
        {
            yield break;
        }

        byte[] head = vector.Bytes[..(bad + 1)];
        byte[] rest = vector.Bytes[(bad + 1)..];
        string where = $"byte {bad} ({vector.Bytes[bad]:x2})";
        yield return new ConformanceCase(vector.Id + "/failfast-fragment", $"Text fragment up to the bad {where}, then a wait, then the rest: 1007 before the rest, {vector.Description}", () =>
            ScriptBuilder.Create()
                .Send(TextFrame(head, fin: false)).AwaitFailure($"the non-final fragment ending with the bad {where}")
                .Send(Cont(rest, fin: true)).Fails(1007).Build());

        if (rest.Length > 0)
        {
            yield return new ConformanceCase(vector.Id + "/failfast-chop", $"One frame written up to the bad {where}, then a wait, then the rest: 1007 before the rest, {vector.Description}", () =>
                ScriptBuilder.Create()
                    .SendInParts(TextFrame(vector.Bytes), new[] { bad + 1 }, new AwaitFailureStep(ScriptBuilder.FailFastWindow, $"the first part of the frame, ending with the bad {where}"))
                    .Fails(1007).Build());
        }
    }

    private static CaseScript Outcome(ScriptBuilder script, Utf8Vector vector) =>
        vector.Valid
            ? script.Expect(TextEvent(vector.Bytes)).CloseNormally().Build()
            : script.Fails(1007).Build();

    /// <summary>
    /// Between the parts of 6.4.3/6.4.4: the first part (valid so far) must not fail the connection (Autobahn's "timeout A"),
    /// the second (with the bad byte) must (fail fast).
    /// </summary>
    private sealed class FailFastGap : PeerStep
    {
        private readonly string _badPart;
        private readonly int _validPrefixLength;
        private int _calls;

        public FailFastGap(string badPart, int validPrefixLength)
        {
            _badPart = badPart;
            _validPrefixLength = validPrefixLength;
        }

        public override async System.Threading.Tasks.Task RunAsync(PeerConnection peer, System.Threading.CancellationToken cancellationToken)
        {
            if (_calls++ == 0)
            {
                await new ExpectOpenStep(TimeSpan.FromMilliseconds(300), $"the first {_validPrefixLength} bytes of the frame").RunAsync(peer, cancellationToken).ConfigureAwait(false);
                return;
            }

            await new AwaitFailureStep(ScriptBuilder.FailFastWindow, _badPart).RunAsync(peer, cancellationToken).ConfigureAwait(false);
        }
    }
}
