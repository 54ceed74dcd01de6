using System;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.WebSockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.CodeAnalysis;
using WebSocketProtocol.Tests.Interop;
using Xunit;

namespace WebSocketProtocol.Tests.AspNetCore;

/// <summary>The README of the ASP.NET Core package shows a whole app: it must compile as written and echo as it says.</summary>
[Collection(InteropCollection.Name)]
public sealed class ReadmeExampleTests
{
    private static readonly TimeSpan Timeout = InteropFrames.Timeout;

    [Fact]
    public async Task The_readme_example_compiles_without_warnings_and_its_app_echoes_a_ClientWebSocket_and_refuses_a_plain_GET()
    {
        string code = ReadmeExample.ExtractCode();

        (byte[]? image, var diagnostics) = ReadmeExample.Compile(code);

        Assert.True(diagnostics.IsEmpty, string.Join(Environment.NewLine, diagnostics.Select(d => d.ToString())));
        Assert.NotNull(image);
        await using RunningExample example = await ReadmeExample.StartAsync(
            image,
            ["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning"],
            Timeout);
        var server = (IServer)example.Host.Services.GetService(typeof(IServer))!;
        var address = new Uri(server.Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        using var timeout = new CancellationTokenSource(Timeout);
        using var client = new ClientWebSocket();
        client.Options.DangerousDeflateOptions = new WebSocketDeflateOptions();
        client.Options.CollectHttpResponseDetails = true;
        using var http = new HttpClient();

        await client.ConnectAsync(new Uri($"ws://{address.Authority}/echo"), timeout.Token);
        await client.SendAsync(Encoding.UTF8.GetBytes("hello from the README"), WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
        (WebSocketMessageType type, byte[] echoed) = await InteropFrames.ReceiveMessageAsync(client, timeout.Token);
        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
        using HttpResponseMessage plain = await http.GetAsync(new Uri(address, "/echo"), timeout.Token);

        Assert.Equal(WebSocketMessageType.Text, type);
        Assert.Equal("hello from the README", Encoding.UTF8.GetString(echoed));
        Assert.StartsWith("permessage-deflate", client.HttpResponseHeaders!["Sec-WebSocket-Extensions"].Single(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.UpgradeRequired, plain.StatusCode);
    }
}
