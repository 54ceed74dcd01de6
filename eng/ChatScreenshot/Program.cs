// The README's picture of the chat: two people in one room, in two headless Chromium windows side by side (one in the
// light colour scheme, one in the dark), a few lines said each way and one of them typing. eng/screenshot-chat.sh starts
// the server and runs this with the page's origin and the PNG to write.
using System;
using System.IO;
using System.Threading.Tasks;
using Microsoft.Playwright;

if (args.Length != 2)
{
    Console.Error.WriteLine("usage: ChatScreenshot ORIGIN OUTPUT.png   (ORIGIN as http://127.0.0.1:PORT, a chat server's page)");
    return 2;
}

string origin = args[0].TrimEnd('/');
string output = Path.GetFullPath(args[1]);
string chromium = Environment.GetEnvironmentVariable("CHROMIUM") ?? "chromium";
var timeout = TimeSpan.FromSeconds(30);

using IPlaywright playwright = await Playwright.CreateAsync();
await using IBrowser browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
{
    ExecutablePath = FindOnPath(chromium) ?? throw new InvalidOperationException($"No '{chromium}' on PATH: install Debian's chromium, or set CHROMIUM."),
    Headless = true,
    Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    Timeout = 60_000,
});

var window = new ViewportSize { Width = 720, Height = 560 };
IPage alice = await OpenAsync(ColorScheme.Light, "alice");
IPage bob = await OpenAsync(ColorScheme.Dark, "bob");

await SayAsync(alice, bob, "Morning! Did the tomatoes survive the frost?");
await SayAsync(bob, alice, "Most of them. The fleece covers did their job.");
await SayAsync(alice, bob, "Great, I will bring the basil seedlings at noon.");
await SayAsync(bob, alice, "Perfect. <b>Markup</b> shows as text here, by the way.");
await SayAsync(alice, bob, "Good to know :)");
// The server relays two typing notices in a row and one a second after that (filling the box sent some): a pause, so
// that this one gets through.
await bob.WaitForTimeoutAsync(2500);
await bob.Locator("#text").PressSequentiallyAsync("See you at the gate");
await alice.Locator("#typing").GetByText("bob is typing…").WaitForAsync();

// The two windows side by side: each page's picture, set next to the other on a blank page and photographed together.
byte[] left = await alice.ScreenshotAsync();
byte[] right = await bob.ScreenshotAsync();
IPage sheet = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = (window.Width * 2) + 48, Height = window.Height + 32 } });
await sheet.SetContentAsync(
    "<body style=\"margin:0;padding:16px;background:#8a94a0;display:flex;gap:16px\">" +
    $"<img alt=\"\" src=\"data:image/png;base64,{Convert.ToBase64String(left)}\">" +
    $"<img alt=\"\" src=\"data:image/png;base64,{Convert.ToBase64String(right)}\"></body>");
Directory.CreateDirectory(Path.GetDirectoryName(output)!);
await sheet.ScreenshotAsync(new PageScreenshotOptions { Path = output });
Console.WriteLine($"wrote {output}");
return 0;

async Task<IPage> OpenAsync(ColorScheme scheme, string name)
{
    IBrowserContext context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = window, ColorScheme = scheme, Locale = "en-GB" });
    context.SetDefaultTimeout((float)timeout.TotalMilliseconds);
    IPage page = await context.NewPageAsync();
    await page.GotoAsync($"{origin}/?room=garden&name={name}");
    await page.Locator("#status[data-state=joined]").WaitForAsync();
    return page;
}

async Task SayAsync(IPage from, IPage to, string text)
{
    await from.Locator("#text").FillAsync(text);
    await from.Locator("#send button").ClickAsync();
    await to.Locator("#messages .text").GetByText(text, new LocatorGetByTextOptions { Exact = true }).WaitForAsync();
}

static string? FindOnPath(string program)
{
    if (program.Contains('/', StringComparison.Ordinal))
    {
        return File.Exists(program) ? program : null;
    }

    foreach (string folder in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
    {
        string candidate = Path.Combine(folder, program);
        if (File.Exists(candidate))
        {
            return candidate;
        }
    }

    return null;
}
