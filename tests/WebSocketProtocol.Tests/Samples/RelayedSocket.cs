using System;
using Microsoft.Playwright;

namespace WebSocketProtocol.Tests.Samples;

/// <summary>
/// A page's chat socket relayed by the test to the real server (Playwright's WebSocket routing): frames pass both ways
/// unless dropped or rewritten, the test can cut the connection as a network would, and while <see cref="Refuse"/> is
/// set a new connection is closed at once, as when the server cannot be reached.
/// </summary>
internal sealed class RelayedSocket
{
    private IWebSocketRoute? _page;
    private IWebSocketRoute? _server;

    public volatile bool DropToServer;

    public volatile bool DropToPage;

    /// <summary>New connections are closed at once (1006 to the page's eyes) instead of reaching the server.</summary>
    public volatile bool Refuse;

    /// <summary>Rewrites each text frame on its way to the page, when set.</summary>
    public Func<string, string>? RewriteToPage { get; set; }

    public void Relay(IWebSocketRoute page)
    {
        if (Refuse)
        {
            _ = page.CloseAsync(new WebSocketRouteCloseOptions { Code = 1011, Reason = "unreachable" });
            return;
        }

        IWebSocketRoute server = page.ConnectToServer();
        page.OnMessage(frame =>
        {
            if (!DropToServer)
            {
                server.Send(frame.Text!);
            }
        });
        server.OnMessage(frame =>
        {
            if (!DropToPage)
            {
                page.Send(RewriteToPage is { } rewrite ? rewrite(frame.Text!) : frame.Text!);
            }
        });
        _page = page;
        _server = server;
    }

    /// <summary>Closes both sides of the current connection.</summary>
    public async System.Threading.Tasks.Task CutAsync()
    {
        await _server!.CloseAsync();
        await _page!.CloseAsync(new WebSocketRouteCloseOptions { Code = 1001, Reason = "cut" });
    }
}
