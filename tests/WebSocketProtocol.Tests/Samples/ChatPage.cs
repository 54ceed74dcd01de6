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

    /// <summary>The "bob is typing…" line.</summary>
    public ILocator Typing => Page.Locator("#typing");

    /// <summary>The polite live region that reads new lines to screen readers.</summary>
    public ILocator Announcer => Page.Locator("#announcer");

    /// <summary>The line under the message box that says why Send is off and what waits to be sent again.</summary>
    public ILocator Outbox => Page.Locator("#outbox");

    /// <summary>Every line of the message list in order: messages, notices, date separators and the "new messages" divider.</summary>
    public ILocator Lines => Page.Locator("#messages li");

    public ILocator LeaveButton => Page.Locator("#leave");

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
    public static async Task<ChatPage> OpenAsync(IBrowser browser, ChatServerProcess server, BrowserNewContextOptions? options = null, string? initScript = null)
    {
        ChatPage chat = await OpenAtAsync(browser, server, "/", options, initScript);
        await Expect(chat.Status).ToHaveTextAsync("not connected");
        return chat;
    }

    /// <summary>
    /// Opens <paramref name="path"/> (with its query) of <paramref name="server"/> in a new context of
    /// <paramref name="browser"/>, running <paramref name="initScript"/> first in every document when one is given.
    /// </summary>
    public static async Task<ChatPage> OpenAtAsync(IBrowser browser, ChatServerProcess server, string path, BrowserNewContextOptions? options = null, string? initScript = null)
    {
        IBrowserContext context = await browser.NewContextAsync(options ?? new BrowserNewContextOptions());
        try
        {
            context.SetDefaultTimeout((float)ChromiumFixture.StepTimeout.TotalMilliseconds);
            if (initScript is not null)
            {
                await context.AddInitScriptAsync(initScript);
            }

            IPage page = await context.NewPageAsync();
            var chat = new ChatPage(context, page);
            await page.GotoAsync(server.Origin + path);
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

    /// <summary>Every line of the message list as its class and text ("message:alice|hi", "date:Today", "unread:New messages").</summary>
    public Task<string[]> LineSummaryAsync() => Page.EvaluateAsync<string[]>(
        "() => [...document.querySelectorAll('#messages li')].map(li => li.className.split(' ')[0] + ':' + " +
        "(li.classList.contains('message') ? li.querySelector('.from').textContent + '|' + li.querySelector('.text').textContent : li.textContent))");

    /// <summary>Types <paramref name="text"/> into the message box and presses the send button.</summary>
    public async Task SayAsync(string text)
    {
        await MessageBox.FillAsync(text);
        await SendButton.ClickAsync();
        await Expect(MessageBox).ToHaveValueAsync(string.Empty);
    }

    public async ValueTask DisposeAsync() => await Context.CloseAsync();
}
