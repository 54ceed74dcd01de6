using System;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Xunit;

namespace WebSocketProtocol.Tests.Samples;

/// <summary>
/// Client message ids, tried on a running chat server (or two sharing Redis): echoed in the room's <c>message</c>, in
/// <c>history</c> and in the errors about a message; a message sent again with the same id, on the same connection or
/// after reconnecting under the same name, is stored once (the retry gets <c>duplicate</c>); ids that are not short
/// tokens are refused.
/// </summary>
internal static class ChatMessageIds
{
    /// <summary>Alice talks through <paramref name="first"/>, and again through <paramref name="second"/>, as Bob listens through the first.</summary>
    public static async Task AssertStoredOnceAsync(Uri first, Uri second)
    {
        var (bob, _, _) = await ChatTestClient.JoinAsync(first, "bob");
        using (bob)
        {
            var (alice, _, _) = await ChatTestClient.JoinAsync(first, "alice");
            using (alice)
            {
                Assert.Equal(("join", "alice"), ChatTestClient.Change(await bob.ExpectAsync("presence")));
                await alice.SendAsync(new { type = "message", text = "once", id = "m-1_A" });
                JsonElement echoed = await alice.ExpectAsync("message");
                Assert.Equal("m-1_A", echoed.GetProperty("id").GetString());
                Assert.Equal("m-1_A", (await bob.ExpectAsync("message")).GetProperty("id").GetString());

                // The answer to it was lost, say: the same message again, with the same id.
                await alice.SendAsync(new { type = "message", text = "once", id = "m-1_A" });
                Assert.Equal("m-1_A", (await alice.ExpectAsync("duplicate")).GetProperty("id").GetString());

                // The same id from someone else is another message.
                await bob.SendAsync(new { type = "message", text = "mine", id = "m-1_A" });
                Assert.Equal("mine", (await alice.ExpectAsync("message")).GetProperty("text").GetString());
                Assert.Equal("mine", (await bob.ExpectAsync("message")).GetProperty("text").GetString());

                // Refusals name the message they are about; an id that is no short token is refused itself.
                await alice.SendAsync(new { type = "message", text = string.Empty, id = "m2" });
                JsonElement tooShort = await alice.ExpectAsync("error");
                Assert.Equal(("message-length", "m2"), (tooShort.GetProperty("code").GetString(), tooShort.GetProperty("id").GetString()));
                foreach (object id in new object[] { "has space", "é", new string('x', 65), string.Empty, 7 })
                {
                    await alice.SendRawAsync(JsonSerializer.Serialize(new { type = "message", text = "hi", id }));
                    JsonElement refused = await alice.ExpectAsync("error");
                    Assert.Equal("bad-request", refused.GetProperty("code").GetString());
                    Assert.False(refused.TryGetProperty("id", out _), refused.ToString());
                }

                await alice.Connection.CloseAsync(CloseStatus.NormalClosure);
            }

            Assert.Equal(("leave", "alice"), ChatTestClient.Change(await bob.ExpectAsync("presence")));

            // Back under the same name, elsewhere: the resend of a message whose answer never came is recognised too.
            var (back, _, history) = await ChatTestClient.JoinAsync(second, "alice");
            using (back)
            {
                Assert.Equal(("join", "alice"), ChatTestClient.Change(await bob.ExpectAsync("presence")));
                JsonElement[] kept = history.GetProperty("messages").EnumerateArray().ToArray();
                Assert.Equal(new[] { ("once", "m-1_A"), ("mine", "m-1_A") }, kept.Select(m => (m.GetProperty("text").GetString()!, m.GetProperty("id").GetString()!)));
                await back.SendAsync(new { type = "message", text = "once", id = "m-1_A" });
                Assert.Equal("m-1_A", (await back.ExpectAsync("duplicate")).GetProperty("id").GetString());
                await back.SendAsync(new { type = "message", text = "new", id = "m3" });
                Assert.Equal("new", (await back.ExpectAsync("message")).GetProperty("text").GetString());

                // Bob saw each message once: the retries never reached him.
                Assert.Equal("new", (await bob.ExpectAsync("message")).GetProperty("text").GetString());
            }
        }
    }
}
