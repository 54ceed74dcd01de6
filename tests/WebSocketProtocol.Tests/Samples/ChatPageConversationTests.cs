using System;
using System.Diagnostics;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace WebSocketProtocol.Tests.Samples;

/// <summary>
/// How a conversation reads on the chat page, in headless Chromium against samples/ChatServer on 127.0.0.1, with two or
/// three people in browser contexts of their own: own lines set apart, "(you)", one colour per name everywhere, typing
/// indicators, the unread count and "new messages" divider, date separators and screen-reader announcements.
/// </summary>
[Collection(SampleCollection.Name)]
public class ChatPageConversationTests : IClassFixture<ChromiumFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    // Headless Chromium keeps every page visible (a second tab in front and a minimized window alike), so this stands in
    // for the browser's Page Visibility API as a tab in the background drives it; the page's own code is unchanged.
    private const string VisibilitySwitch = """
        (() => {
          let hidden = false;
          Object.defineProperty(Document.prototype, 'hidden', { configurable: true, get() { return hidden; } });
          Object.defineProperty(Document.prototype, 'visibilityState', { configurable: true, get() { return hidden ? 'hidden' : 'visible'; } });
          window.setTabHidden = (value) => { hidden = value; document.dispatchEvent(new Event('visibilitychange')); };
        })();
        """;

    private readonly IBrowser _browser;

    public ChatPageConversationTests(ChromiumFixture chromium) => _browser = chromium.Browser;

    [Fact]
    public async Task Own_lines_sit_apart_on_a_tint_the_list_marks_you_and_each_name_has_one_colour_on_every_screen()
    {
        await using ChatServerProcess server = await StartServerAsync();
        await using ChatPage alice = await ChatPage.OpenAsync(_browser, server);
        await using ChatPage bob = await ChatPage.OpenAsync(_browser, server);
        await using ChatPage carol = await ChatPage.OpenAsync(_browser, server);
        await alice.JoinAsync("colours", "alice");
        await bob.JoinAsync("colours", "bob");
        await carol.JoinAsync("colours", "carol");
        await alice.SayAsync("mine");
        await bob.SayAsync("his");
        await Expect(carol.Texts).ToHaveTextAsync(new[] { "mine", "his" });

        await Expect(alice.Members).ToHaveTextAsync(new[] { "alice (you)", "bob", "carol" });
        await Expect(bob.Members).ToHaveTextAsync(new[] { "alice", "bob (you)", "carol" });

        // On alice's screen her line is on the right, on a tint; bob's on the left, on none.
        ILocator own = alice.Page.Locator("#messages li.message.own");
        await Expect(own).ToHaveCountAsync(1);
        await Expect(own.Locator(".text")).ToHaveTextAsync("mine");
        ILocator other = alice.Page.Locator("#messages li.message:not(.own)");
        await Expect(other.Locator(".text")).ToHaveTextAsync("his");
        LocatorBoundingBoxResult list = (await alice.Page.Locator("#messages").BoundingBoxAsync())!;
        LocatorBoundingBoxResult ownBox = (await own.BoundingBoxAsync())!;
        LocatorBoundingBoxResult otherBox = (await other.BoundingBoxAsync())!;
        Assert.True(ownBox.X + ownBox.Width > list.X + list.Width - 16 && ownBox.X > list.X + 16, $"own line at {ownBox.X}+{ownBox.Width} in {list.X}+{list.Width}");
        Assert.True(otherBox.X < list.X + 16, $"other line at {otherBox.X} in {list.X}");
        Assert.NotEqual(await BackgroundAsync(own), await BackgroundAsync(other));

        // Each name has the same colour in every member list and on every line, on all three screens, and the three differ.
        string[] names = ["alice", "bob", "carol"];
        var colours = names.ToDictionary(name => name, _ => (string?)null);
        foreach (ChatPage page in new[] { alice, bob, carol })
        {
            foreach (string name in names)
            {
                ILocator inList = page.Members.Filter(new LocatorFilterOptions { HasTextRegex = new Regex("^" + name) });
                string colour = await ColourAsync(inList);
                colours[name] ??= colour;
                Assert.Equal(colours[name], colour);
            }

            Assert.Equal(colours["alice"], await ColourAsync(page.Page.Locator("#messages li.message .from").First));
            Assert.Equal(colours["bob"], await ColourAsync(page.Page.Locator("#messages li.message .from").Last));
        }

        Assert.Equal(3, colours.Values.Distinct().Count());
        Assert.Empty(alice.Errors.Concat(bob.Errors).Concat(carol.Errors));
    }

    [Fact]
    public async Task Typing_shows_on_the_other_pages_and_ends_by_itself_after_a_few_seconds_or_at_once_with_the_typists_line()
    {
        await using ChatServerProcess server = await StartServerAsync();
        await using ChatPage alice = await ChatPage.OpenAsync(_browser, server);
        await using ChatPage bob = await ChatPage.OpenAsync(_browser, server);
        await alice.JoinAsync("typing", "alice");
        await bob.JoinAsync("typing", "bob");

        await alice.MessageBox.PressSequentiallyAsync("hel");
        await Expect(bob.Typing).ToHaveTextAsync("alice is typing…");
        await Expect(alice.Typing).ToHaveTextAsync(string.Empty);

        // Nothing more comes: the page drops the indicator by itself (after 5 s; the bound only keeps the test from hanging).
        await Expect(bob.Typing).ToHaveTextAsync(string.Empty, new LocatorAssertionsToHaveTextOptions { Timeout = (float)Bound.TotalMilliseconds });

        // Typing again shows it again (a sent line resets the page's pacing), and her line ends it at once.
        await alice.SendButton.ClickAsync();
        await Expect(bob.TextsFrom("alice")).ToHaveTextAsync(new[] { "hel" });
        await alice.MessageBox.PressSequentiallyAsync("lo");
        await Expect(bob.Typing).ToHaveTextAsync("alice is typing…");
        await alice.SendButton.ClickAsync();
        await Expect(bob.TextsFrom("alice")).ToHaveTextAsync(new[] { "hel", "lo" });
        Assert.Equal(string.Empty, await bob.Typing.TextContentAsync());

        // Two at once are named together; one who leaves drops out of it.
        await using ChatPage carol = await ChatPage.OpenAsync(_browser, server);
        await carol.JoinAsync("typing", "carol");
        await alice.MessageBox.PressSequentiallyAsync("a");
        await Expect(bob.Typing).ToHaveTextAsync("alice is typing…");
        await carol.MessageBox.PressSequentiallyAsync("c");
        await Expect(bob.Typing).ToHaveTextAsync("alice and carol are typing…");
        await carol.DisposeAsync();
        await Expect(bob.Notices.Last).ToHaveTextAsync("carol left");
        Assert.DoesNotContain("carol", await bob.Typing.TextContentAsync(), StringComparison.Ordinal);
        Assert.Empty(alice.Errors.Concat(bob.Errors));
    }

    [Fact]
    public async Task A_page_sends_one_typing_notice_every_few_seconds_however_fast_its_reader_types()
    {
        await using ChatServerProcess server = await StartServerAsync();
        await using ChatPage page = await ChatPage.OpenAsync(_browser, server);
        var (watcher, _, _) = await ChatTestClient.JoinAsync(server.ChatUri("pace"), "watcher");
        using (watcher)
        {
            await page.JoinAsync("pace", "quick");
            var clock = Stopwatch.StartNew();
            await page.MessageBox.PressSequentiallyAsync(new string('x', 60), new LocatorPressSequentiallyOptions { Delay = 20 });
            await page.SendButton.ClickAsync();
            int notices = 0;
            while (true)
            {
                JsonElement next = await watcher.NextAsync();
                string? type = next.GetProperty("type").GetString();
                if (type == "message")
                {
                    break;
                }

                Assert.True(type is "typing" or "presence", $"unexpected {next}");
                if (type == "typing")
                {
                    Assert.Equal("quick", next.GetProperty("name").GetString());
                    notices++;
                }
            }

            // 60 keystrokes: one notice at the first, then at most one per 3 s while typing went on.
            clock.Stop();
            Assert.InRange(notices, 1, 1 + (int)(clock.Elapsed.TotalSeconds / 3));
        }
    }

    [Fact]
    public async Task While_the_tab_is_hidden_the_title_counts_unread_lines_and_a_new_messages_divider_marks_the_first_of_them()
    {
        await using ChatServerProcess server = await StartServerAsync();
        await using ChatPage alice = await ChatPage.OpenAsync(_browser, server, initScript: VisibilitySwitch);
        await using ChatPage bob = await ChatPage.OpenAsync(_browser, server);
        await alice.JoinAsync("away", "alice");
        await bob.JoinAsync("away", "bob");
        await bob.SayAsync("seen");
        await Expect(alice.TextsFrom("bob")).ToHaveTextAsync(new[] { "seen" });
        string title = await alice.Page.TitleAsync();
        Assert.Equal("WebSocketProtocol chat", title);

        await alice.Page.EvaluateAsync("() => setTabHidden(true)");
        await bob.SayAsync("one");
        await Expect(alice.Page).ToHaveTitleAsync("(1) " + title);
        await bob.SayAsync("two");
        await Expect(alice.Page).ToHaveTitleAsync("(2) " + title);

        await alice.Page.EvaluateAsync("() => setTabHidden(false)");
        await Expect(alice.Page).ToHaveTitleAsync(title);
        Assert.Equal(
            new[] { "date:Today", "notice:bob joined", "message:bob|seen", "unread:New messages", "message:bob|one", "message:bob|two" },
            await alice.LineSummaryAsync());

        // Away again: the divider moves to the first line of this absence, and one's own lines are never unread.
        await alice.Page.EvaluateAsync("() => setTabHidden(true)");
        await bob.SayAsync("three");
        await Expect(alice.Page).ToHaveTitleAsync("(1) " + title);
        await alice.Page.EvaluateAsync("() => setTabHidden(false)");
        await alice.SayAsync("back");
        await Expect(alice.TextsFrom("alice")).ToHaveTextAsync(new[] { "back" });
        await Expect(alice.Page).ToHaveTitleAsync(title);
        Assert.Equal(
            new[] { "date:Today", "notice:bob joined", "message:bob|seen", "message:bob|one", "message:bob|two", "unread:New messages", "message:bob|three", "message:alice|back" },
            await alice.LineSummaryAsync());
        Assert.Empty(alice.Errors);
    }

    [Fact]
    public async Task Date_separators_head_each_day_of_the_history_and_a_new_line_today_adds_none()
    {
        await using ChatServerProcess server = await StartServerAsync();
        var (early, _, _) = await ChatTestClient.JoinAsync(server.ChatUri("days"), "early");
        using (early)
        {
            foreach (string text in new[] { "two days ago", "yesterday", "today" })
            {
                await early.SayAsync(text);
                await early.SkipUntilAsync("message");
            }

            // The server stamps every line now, so the relay dates the first two back as if said on earlier days.
            await using ChatPage page = await ChatPage.OpenAsync(_browser, server);
            var route = new RelayedSocket { RewriteToPage = DateBack };
            await page.Page.RouteWebSocketAsync(new Regex("/chat"), route.Relay);
            await page.JoinAsync("days", "reader");
            await Expect(page.Texts).ToHaveTextAsync(new[] { "two days ago", "yesterday", "today" });
            string[] lines = await page.LineSummaryAsync();
            Assert.Equal(6, lines.Length);
            Assert.Matches(@"^date:(?!Today|Yesterday).*\d{4}", lines[0]);
            Assert.Equal(
                new[] { "message:early|two days ago", "date:Yesterday", "message:early|yesterday", "date:Today", "message:early|today" },
                lines[1..]);

            await early.SayAsync("still today");
            await Expect(page.Texts).ToHaveTextAsync(new[] { "two days ago", "yesterday", "today", "still today" });
            await Expect(page.Page.Locator("#messages li.date")).ToHaveCountAsync(3);
            Assert.Empty(page.Errors);
        }
    }

    [Fact]
    public async Task Lines_and_joins_from_others_are_announced_through_a_polite_live_region_and_ones_own_lines_are_not()
    {
        await using ChatServerProcess server = await StartServerAsync();
        await using ChatPage alice = await ChatPage.OpenAsync(_browser, server);
        await using ChatPage bob = await ChatPage.OpenAsync(_browser, server);
        await alice.JoinAsync("voices", "alice");
        await Expect(alice.Announcer).ToHaveAttributeAsync("aria-live", "polite");
        await bob.JoinAsync("voices", "bob");
        await Expect(alice.Announcer).ToHaveTextAsync("bob joined");

        await bob.SayAsync("can you hear me?");
        await Expect(alice.Announcer).ToHaveTextAsync("bob: can you hear me?");
        await alice.SayAsync("loud and clear");
        await Expect(alice.TextsFrom("alice")).ToHaveTextAsync(new[] { "loud and clear" });
        await Expect(alice.Announcer).ToHaveTextAsync("bob: can you hear me?");
        await Expect(bob.Announcer).ToHaveTextAsync("alice: loud and clear");

        // The list itself is not live (a rejoin would read the whole history out); only the region speaks.
        await Expect(alice.Page.Locator("#messages")).Not.ToHaveAttributeAsync("aria-live", new Regex("."));
        Assert.Empty(alice.Errors.Concat(bob.Errors));
    }

    [Fact]
    public async Task A_long_conversation_scrolls_inside_the_list_which_follows_the_newest_line_with_the_message_box_on_screen()
    {
        await using ChatServerProcess server = await StartServerAsync("--rate", "1000", "--address-rate", "1000");
        var (talker, _, _) = await ChatTestClient.JoinAsync(server.ChatUri("long"), "talker");
        using (talker)
        {
            for (int i = 1; i <= 40; i++)
            {
                await talker.SayAsync($"line {i}");
            }

            await using ChatPage page = await ChatPage.OpenAsync(_browser, server);
            await page.JoinAsync("long", "reader");
            await Expect(page.Texts).ToHaveCountAsync(40);
            for (int i = 41; i <= 45; i++)
            {
                await talker.SayAsync($"line {i}");
            }

            await Expect(page.Texts).ToHaveCountAsync(45);
            var whole = new LocatorAssertionsToBeInViewportOptions { Ratio = 1 };
            await Expect(page.Texts.Last).ToBeInViewportAsync(whole);
            await Expect(page.MessageBox).ToBeInViewportAsync(whole);
            await Expect(page.Texts.First).Not.ToBeInViewportAsync();
            Assert.True(await page.Page.EvaluateAsync<bool>("() => { const m = document.getElementById('messages'); return m.scrollHeight > m.clientHeight && document.documentElement.scrollHeight <= window.innerHeight; }"), "the list, not the page, scrolls");
        }
    }

    /// <summary>A server frame on its way to the page, with the lines "two days ago" and "yesterday" dated back as they say.</summary>
    private static string DateBack(string frame)
    {
        JsonNode root = JsonNode.Parse(frame)!;
        if ((string?)root["type"] != "history")
        {
            return frame;
        }

        foreach (JsonNode? entry in root["messages"]!.AsArray())
        {
            int days = (string?)entry!["text"] switch { "two days ago" => 2, "yesterday" => 1, _ => 0 };
            var time = DateTimeOffset.Parse((string)entry["time"]!, System.Globalization.CultureInfo.InvariantCulture);
            entry["time"] = time.AddDays(-days).ToString("o", System.Globalization.CultureInfo.InvariantCulture);
        }

        return root.ToJsonString();
    }

    private static Task<string> ColourAsync(ILocator element) => element.EvaluateAsync<string>("e => getComputedStyle(e).color");

    private static Task<string> BackgroundAsync(ILocator element) => element.EvaluateAsync<string>("e => getComputedStyle(e).backgroundColor");

    private static Task<ChatServerProcess> StartServerAsync(params string[] arguments) =>
        ChatServerProcess.StartAsync(["--host", "127.0.0.1", .. arguments]);
}
