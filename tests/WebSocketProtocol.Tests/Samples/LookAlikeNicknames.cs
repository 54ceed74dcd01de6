using System;
using System.Text.Json;
using System.Threading.Tasks;
using Xunit;

namespace WebSocketProtocol.Tests.Samples;

/// <summary>
/// Nicknames people cannot tell from those of a room's members, tried on a running chat server (or two sharing Redis):
/// each is refused, and the names a room shows are in NFC whatever form they were typed in.
/// </summary>
internal static class LookAlikeNicknames
{
    private const string HangulComposed = "\uD55C\uAE00"; // 한글 in NFC
    private const string HangulDecomposed = "\u1112\u1161\u11AB\u1100\u1173\u11AF"; // the same in NFD

    /// <summary>
    /// Joins alice, sam, 한글 (typed in NFD) and poco through <paramref name="members"/>, then tries their look-alikes
    /// through <paramref name="newcomers"/>: the same room on the same server or on another one.
    /// </summary>
    public static async Task AssertRefusedAsync(Uri members, Uri newcomers)
    {
        var (alice, _, _) = await ChatTestClient.JoinAsync(members, "alice");
        var (sam, _, _) = await ChatTestClient.JoinAsync(members, "sam");
        var (hangul, hangulJoined, _) = await ChatTestClient.JoinAsync(members, HangulDecomposed);
        var (poco, _, _) = await ChatTestClient.JoinAsync(members, "poco");
        using (alice)
        using (sam)
        using (hangul)
        using (poco)
        using (ChatTestClient newcomer = await ChatTestClient.ConnectAsync(newcomers))
        {
            Assert.Equal(HangulComposed, hangulJoined.GetProperty("name").GetString());
            Assert.Contains(HangulComposed, ChatTestClient.Members(hangulJoined));

            (string Name, string Code)[] attempts =
            [
                ("аlice", "invalid-name"), // a Cyrillic а among Latin letters: mixed scripts
                ("ａｌｉｃｅ", "name-taken"), // fullwidth
                ("𝐚𝐥𝐢𝐜𝐞", "name-taken"), // mathematical bold
                ("alıce", "name-taken"), // dotless i
                ("ALICE", "name-taken"),
                ("ſam", "name-taken"), // long s
                (HangulComposed, "name-taken"), // NFC of a member's NFD
                ("росо", "name-taken"), // all Cyrillic, drawn like poco
            ];
            // Each from a connection of its own: one connection may try only a few names in a row (a join loop is refused).
            foreach ((string name, string code) in attempts)
            {
                using ChatTestClient attempt = await ChatTestClient.ConnectAsync(newcomers);
                await attempt.SendAsync(new { type = "join", name });
                JsonElement refused = await attempt.ExpectAsync("error");
                Assert.Equal((name, code), (name, refused.GetProperty("code").GetString()));
            }

            await newcomer.SendAsync(new { type = "join", name = "Alicia" });
            JsonElement joined = await newcomer.ExpectAsync("joined");
            Assert.Equal(new[] { "alice", "Alicia", "poco", "sam", HangulComposed }, ChatTestClient.Members(joined));
        }
    }
}
