using System;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using WebSocketProtocol.AspNetCore;
using WebSocketProtocol.Handshake;
using WebSocketProtocol.Tests.Interop;
using Xunit;

namespace WebSocketProtocol.Tests.AspNetCore;

/// <summary>
/// The ASP.NET Core package logs through the app's ILogger, category WebSocketProtocol.AspNetCore: a refused handshake at
/// Information with its status, reason, peer and path; an accepted one at Debug; nothing per message.
/// </summary>
[Collection(InteropCollection.Name)]
public sealed class AspNetCoreLoggingTests
{
    private static readonly TimeSpan Bound = InteropFrames.Timeout;

    [Fact]
    public async Task Refusals_are_logged_at_information_with_status_reason_and_peer_and_acceptances_at_debug_and_messages_not_at_all()
    {
        var logs = new LogCollector();
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        await using WebApplication app = builder.Build();
        app.Map("/ws", async (HttpContext context) =>
        {
            using var connection = await context.AcceptWebSocketConnectionAsync(new WebSocketServerOptions());
            if (connection is null)
            {
                return;
            }

            while (true)
            {
                var message = await connection.ReceiveMessageAsync(context.RequestAborted);
                if (message.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                await connection.SendAsync(message.Data, message.MessageType, context.RequestAborted);
            }
        });
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        using var timeout = new CancellationTokenSource(Bound);

        using (var client = new ClientWebSocket())
        {
            await client.ConnectAsync(new Uri($"ws://{address.Authority}/ws"), timeout.Token);
            for (int i = 0; i < 20; i++)
            {
                await client.SendAsync("hello"u8.ToArray(), WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
                await InteropFrames.ReceiveMessageAsync(client, timeout.Token);
            }

            await client.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
        }

        using (var foreign = new ClientWebSocket())
        {
            foreign.Options.SetRequestHeader("Origin", "http://elsewhere.example");
            await Assert.ThrowsAsync<WebSocketException>(() => foreign.ConnectAsync(new Uri($"ws://{address.Authority}/ws"), timeout.Token));
        }

        using var http = new HttpClient();
        using HttpResponseMessage plain = await http.GetAsync(new Uri(address, "/ws"), timeout.Token);
        await app.StopAsync();

        LogCollector.Entry[] mine = logs.Entries.Where(e => e.Category == "WebSocketProtocol.AspNetCore").ToArray();
        LogCollector.Entry accepted = Assert.Single(mine, e => e.Level == LogLevel.Debug);
        Assert.Contains("accepted", accepted.Message, StringComparison.Ordinal);
        Assert.Contains("/ws", accepted.Message, StringComparison.Ordinal);
        LogCollector.Entry[] refused = mine.Where(e => e.Level == LogLevel.Information).ToArray();
        Assert.Equal(2, refused.Length);
        Assert.Contains(refused, e => e.Message.Contains("403", StringComparison.Ordinal) && e.Message.Contains(nameof(HandshakeError.OriginNotAllowed), StringComparison.Ordinal) && e.Message.Contains("127.0.0.1", StringComparison.Ordinal));
        Assert.Contains(refused, e => e.Message.Contains("426", StringComparison.Ordinal) && e.Message.Contains(nameof(HandshakeError.UpgradeRequired), StringComparison.Ordinal));
        Assert.Equal(3, mine.Length);
        Assert.DoesNotContain(logs.Entries, e => e.Level >= LogLevel.Error);
    }
}
