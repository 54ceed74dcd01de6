using System;
using System.Collections.Generic;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace WebSocketProtocol.Tests.Samples;

/// <summary>
/// The chat page (samples/ChatServer/wwwroot) open in a browser context of its own, as one person's tab: fills the
/// forms as a person does and reads the page back through its element ids. Dialogs and script errors are recorded.
/// </summary>
internal sealed class ChatPage : IAsyncDisposable
{
    private readonly List<string> _dialogs = new();
    private readonly List<string> _errors = new();

    private ChatPage(IBrowserContext context, IPage page)
    {
        Context = context;
        Page = page;
        page.Dialog += (_, dialog) =>
        {
            lock (_dialogs)
            {
                _dialogs.Add(dialog.Message);
            }

            _ = dialog.DismissAsync();
        };
        page.PageError += (_, error) =>
        {
            lock (_errors)
            {
                _errors.Add(error);
            }
        };
    }

    public IBrowserContext Context { get; }

    public IPage Page { get; }

    /// <summary>The header's status line; its <c>data-state</c> is idle, connecting, joined or reconnecting.</summary>
    public ILocator Status => Page.Locator("#status");

    /// <summary>The member list, one item a name.</summary>
    public ILocator Members => Page.Locator("#members li");

    /// <summary>The room's join and leave notices.</summary>
    public ILocator Notices => Page.Locator("#messages li.notice");

    /// <summary>The text of every chat line.</summary>
    public ILocator Texts => Page.Locator("#messages li.message .text");

    public ILocator MessageBox => Page.Locator("#text");

    public ILocator SendButton => Page.Locator("#send button");

    /// <summary>Alert, confirm and prompt dialogs the page opened (each dismissed).</summary>
    public IReadOnlyList<string> Dialogs
    {
        get
        {
            lock (_dialogs)
            {
                return _dialogs.ToArray();
            }
        }
    }

    /// <summary>Uncaught script errors on the page.</summary>
    public IReadOnlyList<string> Errors
    {
        get
        {
            lock (_errors)
            {
                return _errors.ToArray();
            }
        }
    }

    /// <summary>Opens the page of <paramref name="server"/> in a new context of <paramref name="browser"/>.</summary>
    public static async Task<ChatPage> OpenAsync(IBrowser browser, ChatServerProcess server, BrowserNewContextOptions? options = null)
    {
        IBrowserContext context = await browser.NewContextAsync(options ?? new BrowserNewContextOptions());
        try
        {
            context.SetDefaultTimeout((float)ChromiumFixture.StepTimeout.TotalMilliseconds);
            IPage page = await context.NewPageAsync();
            var chat = new ChatPage(context, page);
            await page.GotoAsync(server.Origin + "/");
            await Expect(chat.Status).ToHaveTextAsync("not connected");
            return chat;
        }
        catch
        {
            await context.CloseAsync();
            throw;
        }
    }

    /// <summary>The lines said by <paramref name="from"/>.</summary>
    public ILocator TextsFrom(string from) =>
        Page.Locator("#messages li.message").Filter(new LocatorFilterOptions
        {
            Has = Page.Locator(".from", new PageLocatorOptions { HasTextRegex = new Regex("^" + Regex.Escape(from) + "$") }),
        }).Locator(".text");

    /// <summary>Fills in the join form, submits it, and waits until the page shows it joined.</summary>
    public async Task JoinAsync(string room, string name)
    {
        await Page.Locator("#room").FillAsync(room);
        await Page.Locator("#name").FillAsync(name);
        await Page.Locator("#join button").ClickAsync();
        await ExpectJoinedAsync(room, name);
    }

    /// <summary>Waits until the status says the page is in <paramref name="room"/> as <paramref name="name"/>.</summary>
    public async Task ExpectJoinedAsync(string room, string name, TimeSpan? timeout = null)
    {
        var options = new LocatorAssertionsToHaveTextOptions { Timeout = (float)(timeout ?? ChromiumFixture.StepTimeout).TotalMilliseconds };
        await Expect(Status).ToHaveTextAsync($"{name} in {room}", options);
        await Expect(Status).ToHaveAttributeAsync("data-state", "joined");
    }

    /// <summary>Types <paramref name="text"/> into the message box and presses the send button.</summary>
    public async Task SayAsync(string text)
    {
        await MessageBox.FillAsync(text);
        await SendButton.ClickAsync();
        await Expect(MessageBox).ToHaveValueAsync(string.Empty);
    }

    public async ValueTask DisposeAsync() => await Context.CloseAsync();
}
