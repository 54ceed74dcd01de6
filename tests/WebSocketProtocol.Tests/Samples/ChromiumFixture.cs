using System;
using System.IO;
using System.Threading.Tasks;
using Microsoft.Playwright;
using Xunit;

namespace WebSocketProtocol.Tests.Samples;

/// <summary>
/// Playwright's driver (shipped in its NuGet package) and one headless instance of the system's Chromium (Debian's
/// <c>chromium</c> package, which eng/test.sh installs), shared by a test class; each test opens its own contexts.
/// Playwright's own browser download is never used.
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    /// <summary>How long any one browser step or page assertion may take: generous for a loaded 2-core machine, still bounded.</summary>
    public static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(15);

    private static readonly string[] LaunchArguments =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run",
    ];

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("The browser is not started.");

    public async Task InitializeAsync()
    {
        string chromium = FindOnPath("chromium") ?? throw new InvalidOperationException(
            "The browser tests drive the system's Chromium, but no 'chromium' is on PATH. Install Debian's package " +
            "(apt-get install chromium), as eng/test.sh does when it is missing.");
        Assertions.SetDefaultExpectTimeout((float)StepTimeout.TotalMilliseconds);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = LaunchArguments,
            Timeout = 60_000,
        });
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
    }

    /// <summary>The first executable file named <paramref name="program"/> in a folder of PATH, as <c>command -v</c> finds it.</summary>
    private static string? FindOnPath(string program)
    {
        foreach (string folder in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(folder, program);
            if (File.Exists(candidate) && (OperatingSystem.IsWindows() || (File.GetUnixFileMode(candidate) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0))
            {
                return candidate;
            }
        }

        return null;
    }
}
