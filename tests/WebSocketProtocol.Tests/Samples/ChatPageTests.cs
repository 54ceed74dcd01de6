using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace WebSocketProtocol.Tests.Samples;

/// <summary>
/// The chat page in a real headless Chromium (the system's, driven by Playwright) against samples/ChatServer as a
/// process on 127.0.0.1: people in separate browser contexts chatting, markup shown as text, permessage-deflate as
/// Chromium offers it, a phone-sized screen, and reconnection when the server comes back.
/// </summary>
[Collection(SampleCollection.Name)]
public class ChatPageTests : IClassFixture<ChromiumFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private readonly IBrowser _browser;

    public ChatPageTests(ChromiumFixture chromium) => _browser = chromium.Browser;

    [Fact]
    public async Task Pages_in_one_room_chat_live_with_members_and_notices_while_a_page_in_another_room_sees_none_of_it()
    {
        await using ChatServerProcess server = await StartServerAsync();
        await using ChatPage alice = await ChatPage.OpenAsync(_browser, server);
        await using ChatPage bob = await ChatPage.OpenAsync(_browser, server);
        await using ChatPage carol = await ChatPage.OpenAsync(_browser, server);
        await alice.JoinAsync("garden", "alice");
        await carol.JoinAsync("elsewhere", "carol");
        await bob.JoinAsync("garden", "bob");

        await Expect(alice.Members).ToHaveTextAsync(new[] { "alice (you)", "bob" });
        await Expect(bob.Members).ToHaveTextAsync(new[] { "alice", "bob (you)" });
        await Expect(alice.Notices).ToHaveTextAsync(new[] { "bob joined" });

        await alice.SayAsync("hello bob");
        await Expect(bob.TextsFrom("alice")).ToHaveTextAsync(new[] { "hello bob" });
        await bob.SayAsync("hi alice, nice garden");
        string[] conversation = ["hello bob", "hi alice, nice garden"];
        await Expect(alice.Texts).ToHaveTextAsync(conversation);
        await Expect(bob.Texts).ToHaveTextAsync(conversation);
        await Expect(alice.TextsFrom("bob")).ToHaveTextAsync(new[] { "hi alice, nice garden" });

        await bob.DisposeAsync();
        await Expect(alice.Notices).ToHaveTextAsync(new[] { "bob joined", "bob left" });
        await Expect(alice.Members).ToHaveTextAsync(new[] { "alice (you)" });

        // The other room's page heard nothing of it, and its own line reaches nobody in the garden.
        await carol.SayAsync("anyone here?");
        await Expect(carol.Texts).ToHaveTextAsync(new[] { "anyone here?" });
        await Expect(carol.Members).ToHaveTextAsync(new[] { "carol (you)" });
        await Expect(carol.Notices).ToHaveCountAsync(0);
        await Expect(alice.Texts).ToHaveTextAsync(conversation);
        Assert.Empty(alice.Errors.Concat(carol.Errors));
    }

    [Fact]
    public async Task Markup_in_a_message_is_shown_as_literal_text_and_creates_no_element_and_runs_no_script()
    {
        await using ChatServerProcess server = await StartServerAsync();
        await using ChatPage sender = await ChatPage.OpenAsync(_browser, server);
        await using ChatPage reader = await ChatPage.OpenAsync(_browser, server);
        await sender.JoinAsync("markup", "sender");
        await reader.JoinAsync("markup", "reader");

        string[] hostile = ["<img src=x onerror=alert(1)>", "<script>alert(2)</script>", "<b onmouseover=alert(3)>bold</b> &amp; &lt;"];
        foreach (string text in hostile)
        {
            await sender.SayAsync(text);
        }

        await Expect(reader.TextsFrom("sender")).ToHaveTextAsync(hostile);
        await Expect(sender.TextsFrom("sender")).ToHaveTextAsync(hostile);
        foreach (ChatPage page in new[] { sender, reader })
        {
            await Expect(page.Page.Locator("#messages img, #messages script, #messages b")).ToHaveCountAsync(0);
            // A broken image's onerror fires within moments of its insertion; give it that moment before counting dialogs.
            await page.Page.WaitForTimeoutAsync(300);
            Assert.Empty(page.Dialogs);
            Assert.Empty(page.Errors);
        }
    }

    [Fact]
    public async Task Chromium_offers_permessage_deflate_and_the_server_accepts_it_and_compressed_messages_flow_both_ways()
    {
        await using ChatServerProcess server = await StartServerAsync();
        await using ChatPage page = await ChatPage.OpenAsync(_browser, server);
        ICDPSession session = await page.Context.NewCDPSessionAsync(page.Page);
        var request = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        var response = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        session.Event("Network.webSocketWillSendHandshakeRequest").OnEvent += (_, e) => request.TrySetResult(e!.Value.GetProperty("request").Clone());
        session.Event("Network.webSocketHandshakeResponseReceived").OnEvent += (_, e) => response.TrySetResult(e!.Value.GetProperty("response").Clone());
        await session.SendAsync("Network.enable");

        await page.JoinAsync("deflate", "squeezed");
        JsonElement offered = await request.Task.WaitAsync(Bound);
        JsonElement answered = await response.Task.WaitAsync(Bound);
        Assert.Equal(101, answered.GetProperty("status").GetInt32());
        Assert.StartsWith("permessage-deflate", Header(offered, "Sec-WebSocket-Extensions"), StringComparison.Ordinal);
        Assert.StartsWith("permessage-deflate", Header(answered, "Sec-WebSocket-Extensions"), StringComparison.Ordinal);

        // Long and repetitive, so both sides compress it: the page's text goes out deflated and comes back deflated.
        string text = string.Concat(Enumerable.Repeat("compress me, ", 100)).TrimEnd();
        await page.SayAsync(text);
        await Expect(page.TextsFrom("squeezed")).ToHaveTextAsync(new[] { text });
        await session.DetachAsync();
    }

    [Fact]
    public async Task On_a_phone_sized_screen_the_join_form_message_box_and_send_button_are_on_screen_and_usable()
    {
        await using ChatServerProcess server = await StartServerAsync();
        var phone = new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 375, Height = 667 }, IsMobile = true, HasTouch = true };
        await using ChatPage page = await ChatPage.OpenAsync(_browser, server, phone);
        var whole = new LocatorAssertionsToBeInViewportOptions { Ratio = 1 };
        foreach (string field in new[] { "#room", "#name", "#join button" })
        {
            await Expect(page.Page.Locator(field)).ToBeInViewportAsync(whole);
        }

        await page.Page.Locator("#name").FillAsync("pocket");
        await page.Page.Locator("#join button").TapAsync();
        await page.ExpectJoinedAsync("lobby", "pocket");
        await Expect(page.Page.Locator("#join")).ToBeHiddenAsync();
        await Expect(page.MessageBox).ToBeInViewportAsync(whole);
        await Expect(page.SendButton).ToBeInViewportAsync(whole);

        await page.MessageBox.FillAsync("sent from a phone");
        await page.SendButton.TapAsync();
        await Expect(page.TextsFrom("pocket")).ToHaveTextAsync(new[] { "sent from a phone" });
        Assert.True(await page.Page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "The page scrolls sideways on a 375 px wide screen.");
    }

    [Fact]
    public async Task A_page_reconnects_and_rejoins_by_itself_when_its_server_comes_back_on_the_same_port()
    {
        string port = ChatServerProcess.FreeLoopbackPort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        await using ChatServerProcess first = await StartServerAsync("--port", port);
        await using ChatPage page = await ChatPage.OpenAsync(_browser, first);
        await page.JoinAsync("again", "dana");
        await page.SayAsync("before the restart");

        // Stopped as Ctrl+C stops it (SIGTERM, see ChildProcess.Stop): the server closes every connection with 1001 and exits.
        first.Process.Stop();
        await Expect(page.Status).ToHaveAttributeAsync("data-state", "reconnecting");
        await Expect(page.Status).ToContainTextAsync("reconnecting");
        Assert.Equal(0, await first.Process.WaitForExitAsync(Bound));

        await using ChatServerProcess second = await StartServerAsync("--port", port);
        Assert.Equal(first.Origin, second.Origin);

        // The page retries with a growing delay (1 s, 2 s, 4 s...), so allow for a slow restart on a loaded machine.
        await page.ExpectJoinedAsync("again", "dana", Bound);
        var (witness, joined, _) = await ChatTestClient.JoinAsync(second.ChatUri("again"), "witness");
        using (witness)
        {
            Assert.Equal(new[] { "dana", "witness" }, ChatTestClient.Members(joined));
            await page.SayAsync("after the restart");
            JsonElement said = await witness.SkipUntilAsync("message");
            Assert.Equal(("dana", "after the restart"), (said.GetProperty("from").GetString(), said.GetProperty("text").GetString()));
        }

        // The new server has a fresh history, and the page keeps its scrollback: what it showed before, then what came since.
        await Expect(page.TextsFrom("dana")).ToHaveTextAsync(new[] { "before the restart", "after the restart" });
        await Expect(page.Notices).ToHaveTextAsync(new[] { "witness joined", "witness left" });
        Assert.Empty(page.Errors);
    }

    [Fact]
    public async Task After_reconnecting_a_page_sends_again_what_was_not_confirmed_and_shows_each_message_once()
    {
        await using ChatServerProcess server = await StartServerAsync();
        await using ChatPage page = await ChatPage.OpenAsync(_browser, server);
        var (watcher, _, _) = await ChatTestClient.JoinAsync(server.ChatUri("resend"), "watcher");
        using (watcher)
        {
            // The page's socket goes through the test, which can drop what goes either way and cut the connection.
            var route = new RelayedSocket();
            await page.Page.RouteWebSocketAsync(new Regex("/chat"), route.Relay);
            await page.JoinAsync("resend", "erin");
            await page.SayAsync("before");
            Assert.Equal("before", (await watcher.SkipUntilAsync("message")).GetProperty("text").GetString());

            // Lost on its way to the server: it never arrives.
            route.DropToServer = true;
            await page.SayAsync("lost on the way");
            route.DropToServer = false;

            // Stored, but its copy never comes back to the page.
            route.DropToPage = true;
            await page.SayAsync("stored, its answer lost");
            Assert.Equal("stored, its answer lost", (await watcher.SkipUntilAsync("message")).GetProperty("text").GetString());
            route.DropToPage = false;

            // The connection breaks; the page reconnects, joins again and sends again what it never saw confirmed.
            await route.CutAsync();
            await Expect(page.Status).ToHaveAttributeAsync("data-state", "reconnecting");
            await page.ExpectJoinedAsync("resend", "erin", Bound);
            await Expect(page.TextsFrom("erin")).ToHaveTextAsync(new[] { "before", "stored, its answer lost", "lost on the way" });

            // The room has each once: the watcher got the lost one now, and nothing twice.
            var said = new List<string>();
            JsonElement next;
            do
            {
                next = await watcher.SkipUntilAsync("message");
                said.Add(next.GetProperty("text").GetString()!);
            }
            while (said[^1] != "lost on the way");

            Assert.Equal(new[] { "lost on the way" }, said);
            await page.SayAsync("after");
            Assert.Equal("after", (await watcher.SkipUntilAsync("message")).GetProperty("text").GetString());
            var (late, _, history) = await ChatTestClient.JoinAsync(server.ChatUri("resend"), "late");
            late.Dispose();
            Assert.Equal(
                new[] { "before", "stored, its answer lost", "lost on the way", "after" },
                history.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("text").GetString()));
            Assert.Empty(page.Errors);
        }
    }

    /// <summary>The chat server on 127.0.0.1, where the page is opened too, so that Chromium never tries IPv6 for localhost first.</summary>
    private static Task<ChatServerProcess> StartServerAsync(params string[] arguments) =>
        ChatServerProcess.StartAsync(["--host", "127.0.0.1", .. arguments]);

    /// <summary>A header of a CDP request or response, whatever its case.</summary>
    private static string Header(JsonElement message, string name)
    {
        foreach (JsonProperty header in message.GetProperty("headers").EnumerateObject())
        {
            if (string.Equals(header.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return header.Value.GetString() ?? string.Empty;
            }
        }

        throw new KeyNotFoundException($"No {name} header in {message}");
    }
}
