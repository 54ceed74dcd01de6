using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.WebSockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Tests.Interop;
using Xunit;
using OurCloseStatus = WebSocketProtocol.CloseStatus;

namespace WebSocketProtocol.Tests.AspNetCore;

/// <summary>
/// WebSockets accepted inside ASP.NET Core by <see cref="WebSocketProtocol.AspNetCore.WebSocketProtocolHttpContextExtensions"/>
/// on a real Kestrel, driven by .NET's <see cref="ClientWebSocket"/> over HTTP/1.1 (an upgrade) and over HTTP/2 (an extended
/// CONNECT, RFC 8441, on cleartext HTTP/2 with prior knowledge). Every behaviour is checked over both versions.
/// </summary>
[Collection(InteropCollection.Name)]
public sealed class AspNetCoreWebSocketTests
{
    private static readonly TimeSpan Timeout = InteropFrames.Timeout;

    public static TheoryData<int> HttpVersions => new() { 1, 2 };

    /// <summary>
    /// A client for HTTP/1.1 or, with <paramref name="httpMajor"/> 2, for HTTP/2 only: ClientWebSocket then sends an
    /// extended CONNECT and fails rather than fall back to HTTP/1.1.
    /// </summary>
    private static ClientWebSocket CreateClient(int httpMajor)
    {
        var client = new ClientWebSocket();
        client.Options.KeepAliveInterval = TimeSpan.Zero;
        client.Options.CollectHttpResponseDetails = true;
        if (httpMajor == 2)
        {
            client.Options.HttpVersion = HttpVersion.Version20;
            client.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        }

        return client;
    }

    private static async Task ConnectAsync(ClientWebSocket client, Uri uri, CancellationToken cancellationToken)
    {
        // An invoker of its own: ClientWebSocket needs one to speak HTTP/2.
        using var invoker = new HttpMessageInvoker(new SocketsHttpHandler());
        await client.ConnectAsync(uri, invoker, cancellationToken);
    }

    private static HttpStatusCode AcceptedStatus(int httpMajor) => httpMajor == 2 ? HttpStatusCode.OK : HttpStatusCode.SwitchingProtocols;

    private static string ProtocolName(int httpMajor) => httpMajor == 2 ? "HTTP/2" : "HTTP/1.1";

    [Theory]
    [MemberData(nameof(HttpVersions))]
    public async Task Text_and_binary_messages_are_echoed_and_the_server_saw_the_http_version_the_client_used(int httpMajor)
    {
        await using AspNetCoreWebSocketHost host = await AspNetCoreWebSocketHost.StartAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        using ClientWebSocket client = CreateClient(httpMajor);
        byte[] binary = InteropFrames.Pattern(1000);

        await ConnectAsync(client, host.WebSocketUri(httpMajor, "/echo"), timeout.Token);
        await client.SendAsync(InteropFrames.Utf8("hello, größe €"), WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
        (WebSocketMessageType textType, byte[] text) = await InteropFrames.ReceiveMessageAsync(client, timeout.Token);
        await client.SendAsync(binary, WebSocketMessageType.Binary, endOfMessage: true, timeout.Token);
        (WebSocketMessageType binaryType, byte[] echoedBinary) = await InteropFrames.ReceiveMessageAsync(client, timeout.Token);
        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
        ServerSession session = await host.NextSessionAsync(Timeout);

        Assert.Equal(AcceptedStatus(httpMajor), client.HttpStatusCode);
        Assert.Equal(WebSocketMessageType.Text, textType);
        Assert.Equal("hello, größe €", Encoding.UTF8.GetString(text));
        Assert.Equal(WebSocketMessageType.Binary, binaryType);
        Assert.Equal(binary, echoedBinary);
        Assert.Null(session.Error);
        Assert.Equal(ProtocolName(httpMajor), session.Protocol);
        Assert.Equal(httpMajor == 2 ? "CONNECT" : "GET", session.Method);
        Assert.Equal(2, session.MessagesEchoed);
        Assert.Equal(WebSocketState.Closed, client.State);
    }

    [Theory]
    [MemberData(nameof(HttpVersions))]
    public async Task Messages_sent_in_fragments_are_reassembled_by_the_server_and_echoed_whole(int httpMajor)
    {
        await using AspNetCoreWebSocketHost host = await AspNetCoreWebSocketHost.StartAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        using ClientWebSocket client = CreateClient(httpMajor);
        byte[] text = InteropFrames.Utf8(ConnectionInterop.FragmentedText);
        (int first, int second) = ConnectionInterop.FragmentSplits;
        byte[] binary = InteropFrames.Pattern(100 * 1024);

        await ConnectAsync(client, host.WebSocketUri(httpMajor, "/echo"), timeout.Token);
        // Each send that does not end the message puts a non-final frame on the wire; the text splits inside 'é' and '€'.
        await client.SendAsync(text.AsMemory(0, first), WebSocketMessageType.Text, endOfMessage: false, timeout.Token);
        await client.SendAsync(text.AsMemory(first, second - first), WebSocketMessageType.Text, endOfMessage: false, timeout.Token);
        await client.SendAsync(text.AsMemory(second), WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
        (WebSocketMessageType textType, byte[] echoedText) = await InteropFrames.ReceiveMessageAsync(client, timeout.Token);
        for (int offset = 0; offset < binary.Length; offset += 40 * 1024)
        {
            int length = Math.Min(40 * 1024, binary.Length - offset);
            await client.SendAsync(binary.AsMemory(offset, length), WebSocketMessageType.Binary, offset + length == binary.Length, timeout.Token);
        }

        // The echo goes out in fragments of 16 KiB (the host's FragmentSize), which the client reassembles.
        (WebSocketMessageType binaryType, byte[] echoedBinary) = await InteropFrames.ReceiveMessageAsync(client, timeout.Token);
        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
        ServerSession session = await host.NextSessionAsync(Timeout);

        Assert.Equal(WebSocketMessageType.Text, textType);
        Assert.Equal(ConnectionInterop.FragmentedText, Encoding.UTF8.GetString(echoedText));
        Assert.Equal(WebSocketMessageType.Binary, binaryType);
        Assert.Equal(binary, echoedBinary);
        Assert.Null(session.Error);
        Assert.Equal(2, session.MessagesEchoed);
    }

    [Theory]
    [MemberData(nameof(HttpVersions))]
    public async Task A_close_the_client_starts_reaches_the_server_with_its_status_and_reason_and_is_answered(int httpMajor)
    {
        await using AspNetCoreWebSocketHost host = await AspNetCoreWebSocketHost.StartAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        using ClientWebSocket client = CreateClient(httpMajor);

        await ConnectAsync(client, host.WebSocketUri(httpMajor, "/echo"), timeout.Token);
        await client.CloseAsync((WebSocketCloseStatus)4000, "client says bye", timeout.Token);
        ServerSession session = await host.NextSessionAsync(Timeout);

        Assert.Null(session.Error);
        Assert.Equal((OurCloseStatus)4000, session.PeerCloseStatus);
        Assert.Equal("client says bye", session.PeerCloseReason);
        Assert.Equal(WebSocketState.Closed, client.State);
        Assert.Equal((WebSocketCloseStatus)4000, client.CloseStatus);
    }

    [Theory]
    [MemberData(nameof(HttpVersions))]
    public async Task A_close_the_server_starts_reaches_the_client_with_its_status_and_reason_and_the_clients_answer_reaches_the_server(int httpMajor)
    {
        await using AspNetCoreWebSocketHost host = await AspNetCoreWebSocketHost.StartAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        using ClientWebSocket client = CreateClient(httpMajor);

        await ConnectAsync(client, host.WebSocketUri(httpMajor, "/server-closes"), timeout.Token);
        WebSocketReceiveResult close = await client.ReceiveAsync(new byte[256], timeout.Token);
        await client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "ack", timeout.Token);
        ServerSession session = await host.NextSessionAsync(Timeout);

        Assert.Equal(WebSocketMessageType.Close, close.MessageType);
        Assert.Equal((WebSocketCloseStatus)(int)AspNetCoreWebSocketHost.ServerCloseStatus, close.CloseStatus);
        Assert.Equal(AspNetCoreWebSocketHost.ServerCloseReason, close.CloseStatusDescription);
        Assert.Equal(WebSocketState.Closed, client.State);
        Assert.Null(session.Error);
        Assert.Equal(OurCloseStatus.NormalClosure, session.PeerCloseStatus);
        Assert.Equal("ack", session.PeerCloseReason);
    }

    [Theory]
    [MemberData(nameof(HttpVersions))]
    public async Task The_servers_preferred_subprotocol_among_the_clients_offer_is_agreed_on_both_sides(int httpMajor)
    {
        await using AspNetCoreWebSocketHost host = await AspNetCoreWebSocketHost.StartAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        using ClientWebSocket client = CreateClient(httpMajor);
        client.Options.AddSubProtocol("chat");
        client.Options.AddSubProtocol("superchat");

        await ConnectAsync(client, host.WebSocketUri(httpMajor, "/echo"), timeout.Token);
        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
        ServerSession session = await host.NextSessionAsync(Timeout);

        Assert.Equal("superchat", client.SubProtocol);
        Assert.Equal("superchat", session.SubProtocol);
    }

    [Theory]
    [MemberData(nameof(HttpVersions))]
    public async Task Permessage_deflate_offered_by_ClientWebSocket_is_agreed_and_compressed_messages_echo_intact(int httpMajor)
    {
        await using AspNetCoreWebSocketHost host = await AspNetCoreWebSocketHost.StartAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        using ClientWebSocket client = CreateClient(httpMajor);
        client.Options.DangerousDeflateOptions = new WebSocketDeflateOptions();
        byte[] json = InteropFrames.Utf8(ConnectionInterop.JsonText(64 * 1024));
        byte[] random = new byte[8 * 1024];
        new Random(8441).NextBytes(random);

        await ConnectAsync(client, host.WebSocketUri(httpMajor, "/echo"), timeout.Token);
        await client.SendAsync(json, WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
        (_, byte[] echoedJson) = await InteropFrames.ReceiveMessageAsync(client, timeout.Token);
        await client.SendAsync(random, WebSocketMessageType.Binary, endOfMessage: true, timeout.Token);
        (_, byte[] echoedRandom) = await InteropFrames.ReceiveMessageAsync(client, timeout.Token);
        await client.SendAsync(json, WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
        (_, byte[] echoedAgain) = await InteropFrames.ReceiveMessageAsync(client, timeout.Token);
        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
        ServerSession session = await host.NextSessionAsync(Timeout);

        string agreed = Assert.Single(client.HttpResponseHeaders!["Sec-WebSocket-Extensions"]);
        Assert.StartsWith("permessage-deflate", agreed, StringComparison.Ordinal);
        Assert.Equal(new[] { "permessage-deflate" }, session.Extensions);
        Assert.Equal(json, echoedJson);
        Assert.Equal(random, echoedRandom);
        Assert.Equal(json, echoedAgain);
        Assert.Null(session.Error);
        Assert.Equal(3, session.MessagesEchoed);
    }

    [Theory]
    [MemberData(nameof(HttpVersions))]
    public async Task A_foreign_Origin_is_refused_with_403_while_the_servers_own_origin_is_accepted(int httpMajor)
    {
        await using AspNetCoreWebSocketHost host = await AspNetCoreWebSocketHost.StartAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        using ClientWebSocket foreign = CreateClient(httpMajor);
        foreign.Options.SetRequestHeader("Origin", "http://evil.example");
        using ClientWebSocket own = CreateClient(httpMajor);
        own.Options.SetRequestHeader("Origin", host.HttpUri(httpMajor, "/").GetLeftPart(UriPartial.Authority));

        await Assert.ThrowsAsync<WebSocketException>(() => ConnectAsync(foreign, host.WebSocketUri(httpMajor, "/echo"), timeout.Token));
        await ConnectAsync(own, host.WebSocketUri(httpMajor, "/echo"), timeout.Token);
        await own.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
        ServerSession session = await host.NextSessionAsync(Timeout);

        Assert.Equal(HttpStatusCode.Forbidden, foreign.HttpStatusCode);
        Assert.Equal(AcceptedStatus(httpMajor), own.HttpStatusCode);
        Assert.Null(session.Error);
    }

    [Theory]
    [MemberData(nameof(HttpVersions))]
    public async Task Version_8_is_refused_with_426_and_Sec_WebSocket_Version_13(int httpMajor)
    {
        await using AspNetCoreWebSocketHost host = await AspNetCoreWebSocketHost.StartAsync();
        using var timeout = new CancellationTokenSource(Timeout);

        RawResponse response = httpMajor == 2
            ? await SendExtendedConnectAsync(host.HttpUri(2, "/echo"), "8", timeout.Token)
            : await RawHttp1.SendAsync(host.Http1Port, RawHttp1.Upgrade("/echo", host.Http1Port, "Sec-WebSocket-Version: 8"), timeout.Token);

        Assert.Equal(426, response.Status);
        Assert.Equal("13", response.Header("Sec-WebSocket-Version"));
        Assert.Equal("Only WebSocket version 13 is supported.\n", response.Body);
    }

    [Fact]
    public async Task An_http_1_1_upgrade_without_Connection_Upgrade_is_refused_with_400_saying_so()
    {
        await using AspNetCoreWebSocketHost host = await AspNetCoreWebSocketHost.StartAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        string request = RawHttp1.Upgrade("/echo", host.Http1Port).Replace("Connection: Upgrade\r\n", "Connection: keep-alive\r\n", StringComparison.Ordinal);

        RawResponse response = await RawHttp1.SendAsync(host.Http1Port, request, timeout.Token);

        Assert.Equal(400, response.Status);
        Assert.Equal("The Connection header must list Upgrade.\n", response.Body);
    }

    [Theory]
    [MemberData(nameof(HttpVersions))]
    public async Task A_plain_GET_is_told_apart_by_IsWebSocketProtocolRequest_and_refused_with_400_by_Accept_itself(int httpMajor)
    {
        await using AspNetCoreWebSocketHost host = await AspNetCoreWebSocketHost.StartAsync();
        using var http = new HttpClient(new SocketsHttpHandler());

        HttpResponseMessage checkedFirst = await SendGetAsync(http, host.HttpUri(httpMajor, "/echo"), httpMajor);
        HttpResponseMessage acceptedBlindly = await SendGetAsync(http, host.HttpUri(httpMajor, "/unchecked"), httpMajor);

        Assert.Equal(new Version(httpMajor, httpMajor == 2 ? 0 : 1), checkedFirst.Version);
        Assert.Equal(HttpStatusCode.BadRequest, checkedFirst.StatusCode);
        Assert.Equal("WebSocket only\n", await checkedFirst.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, acceptedBlindly.StatusCode);
        Assert.Equal("The request is not a valid WebSocket handshake.\n", await acceptedBlindly.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Kestrel_advertises_SETTINGS_ENABLE_CONNECT_PROTOCOL_on_its_http_2_endpoint()
    {
        await using AspNetCoreWebSocketHost host = await AspNetCoreWebSocketHost.StartAsync();
        using var timeout = new CancellationTokenSource(Timeout);

        IReadOnlyDictionary<int, uint> settings = await RawHttp2.ReadServerSettingsAsync(host.Http2Port, timeout.Token);

        // RFC 8441 section 3: SETTINGS_ENABLE_CONNECT_PROTOCOL (0x8) = 1, without which no client may send an extended CONNECT.
        Assert.True(settings.TryGetValue(0x8, out uint enabled), "no SETTINGS_ENABLE_CONNECT_PROTOCOL in " + string.Join(", ", settings));
        Assert.Equal(1u, enabled);
    }

    private static Task<HttpResponseMessage> SendGetAsync(HttpClient http, Uri uri, int httpMajor) =>
        http.SendAsync(new HttpRequestMessage(HttpMethod.Get, uri)
        {
            Version = httpMajor == 2 ? HttpVersion.Version20 : HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        });

    /// <summary>An extended CONNECT as ClientWebSocket sends it over HTTP/2, but with the version given.</summary>
    private static async Task<RawResponse> SendExtendedConnectAsync(Uri uri, string version, CancellationToken cancellationToken)
    {
        using var http = new HttpClient(new SocketsHttpHandler());
        using var request = new HttpRequestMessage(HttpMethod.Connect, uri) { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        request.Headers.Protocol = "websocket";
        request.Headers.Add("Sec-WebSocket-Version", version);
        using HttpResponseMessage response = await http.SendAsync(request, cancellationToken);
        var headers = response.Headers.Concat(response.Content.Headers).ToDictionary(h => h.Key, h => string.Join(", ", h.Value), StringComparer.OrdinalIgnoreCase);
        return new RawResponse((int)response.StatusCode, headers, await response.Content.ReadAsStringAsync(cancellationToken));
    }
}
