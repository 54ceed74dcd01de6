using System.Collections.Generic;
using static WebSocketProtocol.Tests.Conformance.Wire;

namespace WebSocketProtocol.Tests.Conformance;

/// <summary>
/// Section 13, permessage-deflate parameters, as Autobahn's 13.1-13.7 offer them: no parameters, client_no_context_takeover,
/// client_max_window_bits of 8 and 15, both together, and three offers at once (our server picks the first it can honour;
/// our client makes one offer, the first). Each runs section 12's 18-case layout over JSON records. 13.8 goes beyond the
/// catalogue: what RFC 7692 forbids a peer, with compression agreed.
/// </summary>
internal static class Section13Cases
{
    private static readonly DeflateOffer[][] Offers =
    {
        new[] { new DeflateOffer(false, 0) },
        new[] { new DeflateOffer(true, 0) },
        new[] { new DeflateOffer(false, 8) },
        new[] { new DeflateOffer(false, 15) },
        new[] { new DeflateOffer(true, 8) },
        new[] { new DeflateOffer(true, 15) },
        new[] { new DeflateOffer(true, 8), new DeflateOffer(true, 0), new DeflateOffer(false, 0) },
    };

    public static IEnumerable<ConformanceCase> All()
    {
        for (int i = 0; i < Offers.Length; i++)
        {
            foreach (var (number, size, fragmented) in Section12Cases.Layout())
            {
                yield return Section12Cases.Echoes($"13.{i + 1}.{number}", DeflatePayloads.Kind.Json, size, fragmented, Offers[i]);
            }
        }

        DeflateOffer plain = new(false, 0);
        byte[] hello = Utf8("Hello, compressed world!");
        yield return new ConformanceCase("13.8.1", "RSV1 on a continuation frame of a compressed message: failed with 1002", () =>
            ScriptBuilder.Create().Deflate(plain)
                .SendTogether(TextFrame(Hex("f2 48 cd c9 c9 07 00"), fin: false, rsv: Rsv(4)), Frame(Continuation, Hex("00"), fin: true, rsv: Rsv(4)))
                .Fails(1002).Build());
        yield return new ConformanceCase("13.8.2", "RSV1 on a ping: failed with 1002", () =>
            ScriptBuilder.Create().Deflate(plain).Send(Ping(hello, rsv: Rsv(4))).Fails(1002).Build());
        yield return new ConformanceCase("13.8.3", "RSV1 on a close frame: failed with 1002", () =>
            ScriptBuilder.Create().Deflate(plain).Send(CloseRaw(CloseBody(1000), rsv: Rsv(4))).Fails(1002).Build());
        yield return new ConformanceCase("13.8.4", "A compressed message that is not DEFLATE data (reserved block type): failed with 1002", () =>
            ScriptBuilder.Create().Deflate(plain).Send(Binary(Hex("07 ff ff"), rsv: Rsv(4))).Fails(1002).Build());
        yield return new ConformanceCase("13.8.5", "A compressed message cut off inside its block: failed with 1002", () =>
            ScriptBuilder.Create().Deflate(plain).Send(Binary(Hex("f2 48 cd c9"), rsv: Rsv(4))).Fails(1002).Build());
        yield return new ConformanceCase("13.8.6", "A compressed text message whose inflated bytes are not UTF-8: failed with 1007", () =>
            ScriptBuilder.Create().Deflate(plain).Send(TextFrame(Hex("3a d0 90 98 94 0c 00"), rsv: Rsv(4))).Fails(1007).Build());
        yield return new ConformanceCase("13.8.7", "RSV2 with only permessage-deflate agreed: failed with 1002", () =>
            ScriptBuilder.Create().Deflate(plain).Send(TextFrame(hello, rsv: Rsv(2))).Fails(1002).Build());
        yield return new ConformanceCase("13.8.8", "An uncompressed message (RSV1 clear) with permessage-deflate agreed: echoed", () =>
            ScriptBuilder.Create().Deflate(plain).Send(TextFrame(hello)).Expect(TextEvent(hello)).CloseNormally().Build());
        yield return new ConformanceCase("13.8.9", "A compressed message with no payload at all (RSV1, length 0): an empty message, echoed", () =>
            ScriptBuilder.Create().Deflate(plain).Send(TextFrame(System.Array.Empty<byte>(), rsv: Rsv(4))).Expect(TextEvent(System.Array.Empty<byte>())).CloseNormally().Build());
    }
}
