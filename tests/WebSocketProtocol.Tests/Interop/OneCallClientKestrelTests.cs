using System;
using System.Linq;
using System.Net.WebSockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Connection;
using WebSocketProtocol.Extensions.Deflate;
using WebSocketProtocol.Handshake;
using WebSocketProtocol.Transport;
using Xunit;

namespace WebSocketProtocol.Tests.Interop;

/// <summary>
/// <see cref="WebSocketClient.ConnectAsync"/> in one call against ASP.NET Core's Kestrel with permessage-deflate enabled:
/// Kestrel compresses every message it sends once deflate is agreed, so each echo read back is a compressed reply.
/// </summary>
[Collection(InteropCollection.Name)]
public sealed class OneCallClientKestrelTests
{
    private static readonly TimeSpan Bound = ConnectionInterop.Timeout;

    [Fact]
    public async Task ConnectAsync_offering_deflate_to_Kestrel_gets_it_agreed_and_reads_Kestrels_compressed_echoes_intact()
    {
        await using KestrelConnectionPeer kestrel = await KestrelConnectionPeer.StartAsync(configureAccept: accept => accept.DangerousEnableCompression = true);
        using var timeout = new CancellationTokenSource(Bound);
        var options = new WebSocketClientOptions();
        options.Extensions.Add(new PerMessageDeflateClientFactory());
        string text = string.Concat(Enumerable.Repeat("Grüße from the one-call client; ", 200));
        byte[] binary = ConnectionInterop.RandomBytes(10_000, seed: 20);

        using (WebSocketConnection connection = await WebSocketClient.ConnectAsync(kestrel.Uri, options, timeout.Token))
        {
            Assert.IsType<PerMessageDeflateExtension>(Assert.Single(connection.Extensions));
            await connection.SendTextAsync(text, timeout.Token);
            WebSocketMessage first = await connection.ReceiveMessageAsync(timeout.Token);
            Assert.Equal((WebSocketMessageType.Text, text), (first.MessageType, Encoding.UTF8.GetString(first.Data.Span)));
            await connection.SendAsync(binary, WebSocketMessageType.Binary, timeout.Token);
            WebSocketMessage second = await connection.ReceiveMessageAsync(timeout.Token);
            Assert.Equal(WebSocketMessageType.Binary, second.MessageType);
            Assert.True(second.Data.Span.SequenceEqual(binary), "The binary echo differs.");
            await connection.CloseAsync(CloseStatus.NormalClosure, "done", timeout.Token);
            Assert.Equal(WebSocketState.Closed, connection.State);
        }

        KestrelPeerSession session = await kestrel.Session.WaitAsync(Bound);
        Assert.StartsWith("permessage-deflate", session.AnsweredExtensions, StringComparison.Ordinal);
        Assert.Equal(2, session.Messages.Count);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, session.CloseStatus);
    }
}
