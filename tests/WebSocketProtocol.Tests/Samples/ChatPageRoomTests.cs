using System;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace WebSocketProtocol.Tests.Samples;

/// <summary>
/// Being in a room with the chat page, in headless Chromium against samples/ChatServer on 127.0.0.1: the scrollback kept
/// and filled in across a reconnection, Send while disconnected, joining from a link, leaving and switching rooms, the
/// keyboard alone, and WCAG AA contrast in the light and dark colour schemes.
/// </summary>
[Collection(SampleCollection.Name)]
public class ChatPageRoomTests : IClassFixture<ChromiumFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    // For every visible element with text of its own: its colour against the first opaque background behind it, as the
    // WCAG 2.1 contrast ratio, and the least it must be (4.5:1, or 3:1 for large text). Returns how many it checked,
    // then those that fall short.
    private const string ContrastFailures = """
        () => {
          const parse = (c) => { const m = /rgba?\(([^)]+)\)/.exec(c); if (!m) return null; const p = m[1].split(',').map(parseFloat); return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 }; };
          const channel = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
          const luminance = (c) => 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
          const background = (element) => {
            for (let e = element; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor); if (c && c.a > 0) return c; }
            return { r: 255, g: 255, b: 255, a: 1 };
          };
          const failures = [];
          let checked = 0;
          for (const element of document.querySelectorAll('body *')) {
            const ownText = [...element.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim())
              || (element.tagName === 'INPUT' && element.value);
            if (!ownText || element.closest('.visually-hidden') || element.getClientRects().length === 0) continue;
            const style = getComputedStyle(element);
            if (style.visibility !== 'visible') continue;
            const fore = luminance(parse(style.color)), back = luminance(background(element));
            const ratio = (Math.max(fore, back) + 0.05) / (Math.min(fore, back) + 0.05);
            const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight, 10) >= 700;
            const least = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
            checked++;
            if (ratio < least) failures.push(`${element.tagName}.${element.className} "${(element.value || element.textContent).trim().slice(0, 30)}" ${ratio.toFixed(2)}`);
          }
          return [String(checked), ...failures];
        }
        """;

    private readonly IBrowser _browser;

    public ChatPageRoomTests(ChromiumFixture chromium) => _browser = chromium.Browser;

    [Fact]
    public async Task After_a_reconnection_the_scrollback_stays_and_the_lines_missed_meanwhile_fill_the_gap_once_each()
    {
        await using ChatServerProcess server = await StartServerAsync();
        var (bob, _, _) = await ChatTestClient.JoinAsync(server.ChatUri("gap"), "bob");
        using (bob)
        {
            await bob.SayAsync("one");
            await using ChatPage page = await ChatPage.OpenAsync(_browser, server);
            var route = new RelayedSocket();
            await page.Page.RouteWebSocketAsync(new Regex("/chat"), route.Relay);
            await page.JoinAsync("gap", "alice");
            await bob.SayAsync("two");
            await page.SayAsync("mine");
            await Expect(page.Texts).ToHaveTextAsync(new[] { "one", "two", "mine" });

            // Cut off, and kept off while bob goes on: the page cannot reach the server for a while.
            route.Refuse = true;
            await route.CutAsync();
            await Expect(page.Status).ToHaveAttributeAsync("data-state", "reconnecting");
            await bob.SayAsync("three");
            await bob.SayAsync("four");
            await Expect(page.Texts).ToHaveTextAsync(new[] { "one", "two", "mine" });
            route.Refuse = false;

            // Back: nothing on screen was wiped or repeated, and what was missed is in its place in the room's order.
            await page.ExpectJoinedAsync("gap", "alice", Bound);
            string[] expected = ["one", "two", "mine", "three", "four"];
            await Expect(page.Texts).ToHaveTextAsync(expected);
            await bob.SayAsync("five");
            await Expect(page.Texts).ToHaveTextAsync([.. expected, "five"]);
            Assert.Equal(
                new[] { "date:Today", "message:bob|one", "message:bob|two", "message:alice|mine", "message:bob|three", "message:bob|four", "message:bob|five" },
                await page.LineSummaryAsync());
            Assert.Empty(page.Errors);
        }
    }

    [Fact]
    public async Task While_disconnected_Send_is_off_the_page_says_why_and_the_typed_text_stays_until_it_can_be_sent()
    {
        await using ChatServerProcess server = await StartServerAsync();
        var (watcher, _, _) = await ChatTestClient.JoinAsync(server.ChatUri("offline"), "watcher");
        using (watcher)
        {
            await using ChatPage page = await ChatPage.OpenAsync(_browser, server);
            var route = new RelayedSocket();
            await page.Page.RouteWebSocketAsync(new Regex("/chat"), route.Relay);
            await page.JoinAsync("offline", "dora");
            await Expect(page.SendButton).ToBeEnabledAsync();
            await Expect(page.Outbox).ToHaveTextAsync(string.Empty);

            route.Refuse = true;
            await route.CutAsync();
            await Expect(page.Status).ToHaveAttributeAsync("data-state", "reconnecting");
            await Expect(page.SendButton).ToBeDisabledAsync();
            await Expect(page.Outbox).ToContainTextAsync("Not connected: Send is off");

            // Typed and Enter pressed while away: nothing is lost, nothing pretends to be sent.
            await page.MessageBox.FillAsync("written while away");
            await page.MessageBox.PressAsync("Enter");
            await Expect(page.MessageBox).ToHaveValueAsync("written while away");
            await Expect(page.Texts).ToHaveCountAsync(0);

            route.Refuse = false;
            await page.ExpectJoinedAsync("offline", "dora", Bound);
            await Expect(page.SendButton).ToBeEnabledAsync();
            await Expect(page.Outbox).ToHaveTextAsync(string.Empty);
            await Expect(page.MessageBox).ToHaveValueAsync("written while away");
            await page.SendButton.ClickAsync();
            Assert.Equal("written while away", (await watcher.SkipUntilAsync("message")).GetProperty("text").GetString());
            await Expect(page.TextsFrom("dora")).ToHaveTextAsync(new[] { "written while away" });
            Assert.Empty(page.Errors);
        }
    }

    [Fact]
    public async Task A_link_with_room_and_name_joins_at_once_and_switching_rooms_and_leaving_keep_the_address_and_the_others_in_step()
    {
        await using ChatServerProcess server = await StartServerAsync();
        await using ChatPage bob = await ChatPage.OpenAsync(_browser, server);
        await using ChatPage carol = await ChatPage.OpenAsync(_browser, server);
        await bob.JoinAsync("first", "bob");
        await carol.JoinAsync("second", "carol");

        await using ChatPage alice = await ChatPage.OpenAtAsync(_browser, server, "/?room=first&name=alice");
        await alice.ExpectJoinedAsync("first", "alice");
        await Expect(alice.Members).ToHaveTextAsync(new[] { "alice (you)", "bob" });
        await alice.SayAsync("hello first");
        await Expect(bob.TextsFrom("alice")).ToHaveTextAsync(new[] { "hello first" });

        // Switching: out of the first room (bob sees her leave), into the second with nothing of the first on screen.
        await alice.Page.Locator("#switch-room").FillAsync("second");
        await alice.Page.Locator("#switch-room").PressAsync("Enter");
        await alice.ExpectJoinedAsync("second", "alice");
        await Expect(bob.Notices.Last).ToHaveTextAsync("alice left");
        await Expect(alice.Members).ToHaveTextAsync(new[] { "alice (you)", "carol" });
        await Expect(alice.Texts).ToHaveCountAsync(0);
        await Expect(alice.Page).ToHaveURLAsync(new Regex(@"\?room=second&name=alice$"));
        await alice.SayAsync("hello second");
        await Expect(carol.TextsFrom("alice")).ToHaveTextAsync(new[] { "hello second" });

        // Leaving: back at the join form, the room and name still filled in, the room's lines gone, carol sees her leave.
        await alice.LeaveButton.ClickAsync();
        await Expect(alice.Status).ToHaveAttributeAsync("data-state", "idle");
        await Expect(alice.Page.Locator("#join")).ToBeVisibleAsync();
        await Expect(alice.Page.Locator("#chat")).ToBeHiddenAsync();
        await Expect(alice.Page.Locator("#room")).ToHaveValueAsync("second");
        await Expect(alice.Page.Locator("#name")).ToHaveValueAsync("alice");
        await Expect(alice.Lines).ToHaveCountAsync(0);
        await Expect(carol.Notices.Last).ToHaveTextAsync("alice left");
        await Expect(carol.Members).ToHaveTextAsync(new[] { "carol (you)" });
        Assert.EndsWith("/", alice.Page.Url, StringComparison.Ordinal);

        // And a reload of a room's address joins at once again.
        await alice.Page.GotoAsync(server.Origin + "/?room=first&name=alice");
        await alice.ExpectJoinedAsync("first", "alice");
        Assert.Empty(alice.Errors.Concat(bob.Errors).Concat(carol.Errors));
    }

    [Fact]
    public async Task The_page_is_used_from_the_keyboard_alone_join_send_and_leave()
    {
        await using ChatServerProcess server = await StartServerAsync();
        await using ChatPage page = await ChatPage.OpenAsync(_browser, server);
        IKeyboard keyboard = page.Page.Keyboard;
        await keyboard.PressAsync("Tab");
        await Expect(page.Page.Locator("#room")).ToBeFocusedAsync();
        await keyboard.PressAsync("Control+A");
        await keyboard.TypeAsync("keys");
        await keyboard.PressAsync("Tab");
        await Expect(page.Page.Locator("#name")).ToBeFocusedAsync();
        await keyboard.TypeAsync("kim");
        await keyboard.PressAsync("Enter");
        await page.ExpectJoinedAsync("keys", "kim");

        // Joined, the message box has the focus; Enter sends.
        await Expect(page.MessageBox).ToBeFocusedAsync();
        await keyboard.TypeAsync("typed, not clicked");
        await keyboard.PressAsync("Enter");
        await Expect(page.TextsFrom("kim")).ToHaveTextAsync(new[] { "typed, not clicked" });

        // Backwards through the message list (which takes the focus, to scroll it) to the Leave button.
        await keyboard.PressAsync("Shift+Tab");
        await Expect(page.Page.Locator("#messages")).ToBeFocusedAsync();
        await keyboard.PressAsync("Shift+Tab");
        await Expect(page.LeaveButton).ToBeFocusedAsync();
        await keyboard.PressAsync("Enter");
        await Expect(page.Status).ToHaveAttributeAsync("data-state", "idle");
        await Expect(page.Page.Locator("#room")).ToBeFocusedAsync();
        Assert.Empty(page.Errors);
    }

    [Theory]
    [InlineData(ColorScheme.Light)]
    [InlineData(ColorScheme.Dark)]
    public async Task Every_text_on_the_page_and_every_name_colour_passes_WCAG_AA_contrast_in_the_light_and_the_dark_scheme(ColorScheme scheme)
    {
        await using ChatServerProcess server = await StartServerAsync();
        var options = new BrowserNewContextOptions { ColorScheme = scheme };
        await using ChatPage alice = await ChatPage.OpenAsync(_browser, server, options);
        await using ChatPage bob = await ChatPage.OpenAsync(_browser, server, options);
        await alice.JoinAsync("contrast", "alice");
        await bob.JoinAsync("contrast", "bob");
        await bob.SayAsync("a line from bob");
        await alice.SayAsync("a line of mine");
        await alice.MessageBox.FillAsync("a draft");
        await bob.MessageBox.PressSequentiallyAsync("typing");
        await Expect(alice.Typing).ToHaveTextAsync("bob is typing…");

        // The page follows the scheme: a dark background in the dark, a light one in the light.
        double background = await alice.Page.EvaluateAsync<double>("() => { const m = getComputedStyle(document.body).backgroundColor.match(/\\d+/g); return (+m[0] + +m[1] + +m[2]) / 3; }");
        Assert.True(scheme == ColorScheme.Dark ? background < 64 : background > 192, $"body background {background} in {scheme}");

        // Every name colour, on the page and on one's own tint: a line per colour, built here as the page builds its lines.
        await alice.Page.EvaluateAsync("""
            () => {
              const list = document.getElementById('messages');
              for (let i = 0; i < 12; i++) for (const own of [false, true]) {
                const item = document.createElement('li');
                item.className = own ? 'message own' : 'message';
                const from = document.createElement('span');
                from.className = `from name-${i}`;
                from.textContent = `colour ${i}`;
                item.append(from);
                list.append(item);
              }
            }
            """);
        string[] result = await alice.Page.EvaluateAsync<string[]>(ContrastFailures);
        Assert.True(int.Parse(result[0], System.Globalization.CultureInfo.InvariantCulture) > 30, $"only {result[0]} texts checked");
        Assert.Empty(result[1..]);

        // Disconnected, with Send off and the outbox line shown, too.
        server.Process.Stop();
        await Expect(alice.SendButton).ToBeDisabledAsync();
        await Expect(alice.Outbox).Not.ToBeEmptyAsync();
        result = await alice.Page.EvaluateAsync<string[]>(ContrastFailures);
        Assert.Empty(result[1..]);
    }

    private static Task<ChatServerProcess> StartServerAsync(params string[] arguments) =>
        ChatServerProcess.StartAsync(["--host", "127.0.0.1", .. arguments]);
}
