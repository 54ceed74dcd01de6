using System.Net.WebSockets;
using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Connection;
using WebSocketProtocol.Framing;
using WebSocketProtocol.Handshake;
using WebSocketProtocol.Transport;
using Xunit;
using static WebSocketProtocol.Tests.Interop.InteropPeers;
using ClientWebSocket = System.Net.WebSockets.ClientWebSocket;
using ValueWebSocketReceiveResult = System.Net.WebSockets.ValueWebSocketReceiveResult;
using WebSocketCloseStatus = System.Net.WebSockets.WebSocketCloseStatus;
using WebSocketProtocol.Tests.Support;

namespace WebSocketProtocol.Tests.Interop;

/// <summary>
/// The message-level <see cref="WebSocketConnection"/> against other implementations over loopback sockets, in four
/// pairings: .NET's <see cref="ClientWebSocket"/> and Node ws clients against our server (<see cref="ConnectionEchoHandler"/>),
/// and our client against Kestrel's WebSockets middleware (<see cref="KestrelConnectionPeer"/>) and a Node ws server
/// (node/connection-server.js). Each pairing covers text, binary, 1 MiB messages each way, fragmented messages sent by
/// either side, pings both ways, and a clean close with a code and reason started by either side. Our side always reads
/// through a <see cref="FrameTap"/>, so the peer's frames on the wire (fragments, pongs, pings) can be checked as well.
/// </summary>
[Collection(InteropCollection.Name)]
public sealed class ConnectionInteropTests
{
    private static readonly TimeSpan Timeout = ConnectionInterop.Timeout;

    public static TheoryData<bool> TextOrBinary => new() { true, false };

    // ------------------------------------------------------------------------------------------------------------------
    // ClientWebSocket against our server
    // ------------------------------------------------------------------------------------------------------------------

    [Fact]
    public async Task ClientWebSocket_to_our_server_text_message_round_trips()
    {
        var handler = new ConnectionEchoHandler();
        await using LoopbackWebSocketServer server = LoopbackWebSocketServer.Start(handler.HandleAsync);
        using ClientWebSocket client = await ConnectClientWebSocketAsync(server);
        const string text = "hello, wörld — 世界";

        await Within(client.SendAsync(ConnectionInterop.Utf8(text), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None));
        (WebSocketMessageType type, byte[] echoed, _) = await ReceiveWholeAsync(client);
        await Within(client.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None));
        await server.WaitForNextHandlerAsync(Timeout);

        Assert.Equal(WebSocketMessageType.Text, type);
        Assert.Equal(text, ConnectionInterop.FromUtf8(echoed));
        ConnectionMessage received = Assert.Single(handler.Received);
        Assert.Equal(WebSocketMessageType.Text, received.Type);
        Assert.Equal(text, received.Text);
        Assert.Equal((CloseStatus?)CloseStatus.NormalClosure, handler.PeerCloseMessage?.Status);
        Assert.Equal(WebSocketState.Closed, handler.StateAfterClose);
        Assert.Equal(WebSocketState.Closed, client.State);
    }

    [Fact]
    public async Task ClientWebSocket_to_our_server_binary_message_round_trips()
    {
        var handler = new ConnectionEchoHandler();
        await using LoopbackWebSocketServer server = LoopbackWebSocketServer.Start(handler.HandleAsync);
        using ClientWebSocket client = await ConnectClientWebSocketAsync(server);
        byte[] message = InteropFrames.Pattern(10_000);

        await Within(client.SendAsync(message, WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None));
        (WebSocketMessageType type, byte[] echoed, _) = await ReceiveWholeAsync(client);
        await Within(client.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None));
        await server.WaitForNextHandlerAsync(Timeout);

        Assert.Equal(WebSocketMessageType.Binary, type);
        Assert.Equal(message, echoed);
        ConnectionMessage received = Assert.Single(handler.Received);
        Assert.Equal(WebSocketMessageType.Binary, received.Type);
        Assert.Equal(message, received.Data);
    }

    [Theory]
    [MemberData(nameof(TextOrBinary))]
    public async Task ClientWebSocket_to_our_server_1_MiB_message_goes_each_way(bool text)
    {
        var handler = new ConnectionEchoHandler();
        await using LoopbackWebSocketServer server = LoopbackWebSocketServer.Start(handler.HandleAsync);
        using ClientWebSocket client = await ConnectClientWebSocketAsync(server);
        byte[] message = LargeMessage(text);
        WebSocketMessageType netType = text ? WebSocketMessageType.Text : WebSocketMessageType.Binary;

        await Within(client.SendAsync(message, netType, endOfMessage: true, CancellationToken.None));
        (WebSocketMessageType type, byte[] echoed, _) = await ReceiveWholeAsync(client);
        await Within(client.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None));
        await server.WaitForNextHandlerAsync(Timeout);

        ConnectionMessage received = Assert.Single(handler.Received);
        Assert.Equal(text ? WebSocketMessageType.Text : WebSocketMessageType.Binary, received.Type);
        Assert.Equal(ConnectionInterop.OneMiB, received.Data.Length);
        Assert.True(message.AsSpan().SequenceEqual(received.Data), "Our server received different bytes.");
        Assert.Equal(netType, type);
        Assert.Equal(ConnectionInterop.OneMiB, echoed.Length);
        Assert.True(message.AsSpan().SequenceEqual(echoed), "The echo differs from what was sent.");
    }

    [Fact]
    public async Task ClientWebSocket_fragmented_text_split_inside_characters_is_reassembled_by_our_server()
    {
        var handler = new ConnectionEchoHandler();
        await using LoopbackWebSocketServer server = LoopbackWebSocketServer.Start(handler.HandleAsync);
        using ClientWebSocket client = await ConnectClientWebSocketAsync(server);
        byte[] body = ConnectionInterop.Utf8(ConnectionInterop.FragmentedText);
        (int first, int second) = ConnectionInterop.FragmentSplits;

        await Within(client.SendAsync(body.AsMemory(0, first), WebSocketMessageType.Text, endOfMessage: false, CancellationToken.None));
        await Within(client.SendAsync(body.AsMemory(first, second - first), WebSocketMessageType.Text, endOfMessage: false, CancellationToken.None));
        await Within(client.SendAsync(body.AsMemory(second), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None));
        (WebSocketMessageType type, byte[] echoed, _) = await ReceiveWholeAsync(client);
        await Within(client.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None));
        await server.WaitForNextHandlerAsync(Timeout);

        FrameTap tap = await handler.Tap;
        AssertThreeTextFragments(tap.Frames, body.Length, first, second);
        Assert.Equal(ConnectionInterop.FragmentedText, Assert.Single(handler.Received).Text);
        Assert.Equal(WebSocketMessageType.Text, type);
        Assert.Equal(ConnectionInterop.FragmentedText, ConnectionInterop.FromUtf8(echoed));
    }

    [Fact]
    public async Task Our_server_SendFragmentAsync_in_three_parts_reaches_ClientWebSocket_as_one_text_message_in_three_frames()
    {
        var handler = new ConnectionEchoHandler();
        await using LoopbackWebSocketServer server = LoopbackWebSocketServer.Start(handler.HandleAsync);
        using ClientWebSocket client = await ConnectClientWebSocketAsync(server);
        (int first, int second) = ConnectionInterop.FragmentSplits;

        await SendTextAsync(client, ConnectionInterop.FragmentCommand(ConnectionInterop.FragmentedText, first, second));
        (WebSocketMessageType type, byte[] message, int receives) = await ReceiveWholeAsync(client);
        await Within(client.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None));
        await server.WaitForNextHandlerAsync(Timeout);

        Assert.Equal(WebSocketMessageType.Text, type);
        Assert.Equal(ConnectionInterop.FragmentedText, ConnectionInterop.FromUtf8(message));
        // A ClientWebSocket receive never spans two frames: three frames take at least three receives.
        Assert.InRange(receives, 3, int.MaxValue);
    }

    [Fact]
    public async Task Our_server_PingAsync_is_answered_by_ClientWebSocket_and_the_next_message_still_flows()
    {
        var handler = new ConnectionEchoHandler();
        await using LoopbackWebSocketServer server = LoopbackWebSocketServer.Start(handler.HandleAsync);
        using ClientWebSocket client = await ConnectClientWebSocketAsync(server);

        // The client's pending receive is what answers our ping; the server reports the pong with a text message.
        await SendTextAsync(client, "!ping:dotnet-probe");
        (WebSocketMessageType reportType, byte[] report, _) = await ReceiveWholeAsync(client);
        await SendTextAsync(client, "after ping");
        (_, byte[] after, _) = await ReceiveWholeAsync(client);
        await Within(client.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None));
        await server.WaitForNextHandlerAsync(Timeout);

        Assert.Equal(WebSocketMessageType.Text, reportType);
        Assert.Equal("pong:dotnet-probe", ConnectionInterop.FromUtf8(report));
        Assert.Equal("after ping", ConnectionInterop.FromUtf8(after));
        FrameTap tap = await handler.Tap;
        TappedFrame pong = Assert.Single(tap.Frames, f => f.Opcode == Opcode.Pong);
        Assert.Equal("dotnet-probe", pong.ControlText);
        Assert.True(pong.IsMasked);
        Assert.Equal(WebSocketState.Closed, handler.StateAfterClose);
    }

    [Fact]
    public async Task ClientWebSocket_keepalive_pings_are_answered_by_our_server_for_longer_than_its_pong_timeout()
    {
        var handler = new ConnectionEchoHandler();
        await using LoopbackWebSocketServer server = LoopbackWebSocketServer.Start(handler.HandleAsync);
        var client = new ClientWebSocket();
        using (client)
        {
            // With a timeout, ClientWebSocket's keep-alive sends PINGs and aborts when a PONG is over a second late.
            client.Options.KeepAliveInterval = TimeSpan.FromMilliseconds(100);
            client.Options.KeepAliveTimeout = TimeSpan.FromSeconds(1);
            await Within(client.ConnectAsync(server.GetUri("/keepalive"), CancellationToken.None));
            FrameTap tap = await handler.Tap.WaitAsync(Timeout);

            // A receive stays pending meanwhile, so the client reads our pongs.
            Task<(WebSocketMessageType, byte[], int)> pending = ReceiveWholeAsync(client);
            await tap.WaitUntilAsync(f => f.Count(x => x.Opcode == Opcode.Ping) >= 15, Timeout, "15 keep-alive pings from ClientWebSocket");
            await SendTextAsync(client, "after pings");
            (_, byte[] echoed, _) = await pending;
            Assert.Equal(WebSocketState.Open, client.State);
            await Within(client.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None));
            await server.WaitForNextHandlerAsync(Timeout);

            Assert.Equal("after pings", ConnectionInterop.FromUtf8(echoed));
            Assert.All(tap.Frames.Where(f => f.Opcode == Opcode.Ping), f => Assert.True(f.IsMasked && f.IsFinal));
            Assert.Equal(WebSocketState.Closed, handler.StateAfterClose);
            Assert.Equal(WebSocketState.Closed, client.State);
        }
    }

    [Fact]
    public async Task Our_server_CloseAsync_4001_with_reason_is_seen_by_ClientWebSocket_whose_answer_completes_the_close()
    {
        var handler = new ConnectionEchoHandler();
        await using LoopbackWebSocketServer server = LoopbackWebSocketServer.Start(handler.HandleAsync);
        using ClientWebSocket client = await ConnectClientWebSocketAsync(server);

        await SendTextAsync(client, ConnectionInterop.CloseCommand(4001, "our server closes"));
        ValueWebSocketReceiveResult result = await Within(client.ReceiveAsync(new byte[256].AsMemory(), CancellationToken.None));
        Assert.Equal(WebSocketMessageType.Close, result.MessageType);
        Assert.Equal((WebSocketCloseStatus)4001, client.CloseStatus);
        Assert.Equal("our server closes", client.CloseStatusDescription);
        await Within(client.CloseOutputAsync((WebSocketCloseStatus)4001, "ack", CancellationToken.None));
        await server.WaitForNextHandlerAsync(Timeout);

        Assert.True(handler.ClosedFirst);
        Assert.Equal(WebSocketState.Closed, handler.StateAfterClose);
        Assert.Equal(((CloseStatus?)4001, (string?)"ack"), handler.PeerClose);
        Assert.Equal(WebSocketState.Closed, client.State);
    }

    [Fact]
    public async Task ClientWebSocket_close_4003_with_reason_reaches_our_ReceiveMessageAsync_and_our_CloseAsync_completes_Closed()
    {
        var handler = new ConnectionEchoHandler();
        await using LoopbackWebSocketServer server = LoopbackWebSocketServer.Start(handler.HandleAsync);
        using ClientWebSocket client = await ConnectClientWebSocketAsync(server);

        await Within(client.CloseAsync((WebSocketCloseStatus)4003, "dotnet closes", CancellationToken.None));
        await server.WaitForNextHandlerAsync(Timeout);

        Assert.False(handler.ClosedFirst);
        Assert.Equal(((CloseStatus?)4003, (string?)"dotnet closes"), handler.PeerCloseMessage);
        Assert.Equal(((CloseStatus?)4003, (string?)"dotnet closes"), handler.PeerClose);
        Assert.Equal(WebSocketState.Closed, handler.StateAfterClose);
        Assert.Equal(WebSocketState.Closed, client.State);
        // Our answer echoes the code (RFC 6455 section 5.5.1).
        Assert.Equal((WebSocketCloseStatus)4003, client.CloseStatus);
    }

    // ------------------------------------------------------------------------------------------------------------------
    // Node ws client against our server
    // ------------------------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Node_ws_client_to_our_server_text_message_round_trips()
    {
        const string text = "hello from ws, ünïcødé €";
        (ChildProcess node, ConnectionEchoHandler handler) = await RunNodeClientAsync("text", text);
        await using (node)
        {
            AssertNodeLine(node, "EQUAL true");
            AssertNodeLine(node, "TEXT " + text);
            Assert.Equal(text, Assert.Single(handler.Received).Text);
            Assert.Equal(((CloseStatus?)CloseStatus.NormalClosure, (string?)"done"), handler.PeerCloseMessage);
            Assert.Equal(WebSocketState.Closed, handler.StateAfterClose);
            AssertNodeLine(node, "CLOSE 1000 ");
        }
    }

    [Fact]
    public async Task Node_ws_client_to_our_server_binary_message_round_trips()
    {
        (ChildProcess node, ConnectionEchoHandler handler) = await RunNodeClientAsync("binary", "10000");
        await using (node)
        {
            byte[] expected = InteropFrames.Pattern(10_000);
            AssertNodeLine(node, "EQUAL true");
            AssertNodeLine(node, $"MESSAGE binary 10000 {ConnectionInterop.Sha256Hex(expected)}");
            ConnectionMessage received = Assert.Single(handler.Received);
            Assert.Equal(WebSocketMessageType.Binary, received.Type);
            Assert.Equal(expected, received.Data);
        }
    }

    [Theory]
    [MemberData(nameof(TextOrBinary))]
    public async Task Node_ws_client_to_our_server_1_MiB_message_goes_each_way(bool text)
    {
        string length = ConnectionInterop.OneMiB.ToString(CultureInfo.InvariantCulture);
        (ChildProcess node, ConnectionEchoHandler handler) = await RunNodeClientAsync(text ? "large-text" : "binary", length);
        await using (node)
        {
            byte[] expected = LargeMessage(text);
            AssertNodeLine(node, "EQUAL true");
            AssertNodeLine(node, $"MESSAGE {(text ? "text" : "binary")} {length} {ConnectionInterop.Sha256Hex(expected)}");
            ConnectionMessage received = Assert.Single(handler.Received);
            Assert.Equal(text ? WebSocketMessageType.Text : WebSocketMessageType.Binary, received.Type);
            Assert.True(expected.AsSpan().SequenceEqual(received.Data), "Our server received different bytes.");
        }
    }

    [Fact]
    public async Task Node_ws_client_fragments_are_reassembled_by_our_server_and_our_SendFragmentAsync_parts_reach_ws_whole()
    {
        (int first, int second) = ConnectionInterop.FragmentSplits;
        (ChildProcess node, ConnectionEchoHandler handler) = await RunNodeClientAsync(
            "fragments",
            ConnectionInterop.FragmentedText,
            first.ToString(CultureInfo.InvariantCulture),
            second.ToString(CultureInfo.InvariantCulture));
        await using (node)
        {
            byte[] body = ConnectionInterop.Utf8(ConnectionInterop.FragmentedText);
            FrameTap tap = await handler.Tap;
            AssertThreeTextFragments(tap.Frames, body.Length, first, second);
            Assert.Equal(ConnectionInterop.FragmentedText, handler.Received[0].Text);
            // Once as the echo of its own fragments, once as our three-part message.
            Assert.Equal(2, node.Output.Count(l => l == "TEXT " + ConnectionInterop.FragmentedText));
        }
    }

    [Fact]
    public async Task Node_ws_client_and_our_server_ping_each_other_and_both_pongs_come_back()
    {
        (ChildProcess node, ConnectionEchoHandler handler) = await RunNodeClientAsync("ping", "ws-probe", "server-probe");
        await using (node)
        {
            AssertNodeLine(node, "PONG ws-probe");
            AssertNodeLine(node, "PING server-probe");
            AssertNodeLine(node, "TEXT pong:server-probe");
            AssertNodeLine(node, "EQUAL true");
            FrameTap tap = await handler.Tap;
            Assert.Equal("ws-probe", Assert.Single(tap.Frames, f => f.Opcode == Opcode.Ping).ControlText);
            Assert.Equal("server-probe", Assert.Single(tap.Frames, f => f.Opcode == Opcode.Pong).ControlText);
            Assert.Equal(WebSocketState.Closed, handler.StateAfterClose);
        }
    }

    [Fact]
    public async Task Our_server_CloseAsync_4001_with_reason_is_seen_by_the_Node_ws_client()
    {
        (ChildProcess node, ConnectionEchoHandler handler) = await RunNodeClientAsync("close-by-server", "4001", "our server closes");
        await using (node)
        {
            AssertNodeLine(node, "CLOSE 4001 our server closes");
            Assert.True(handler.ClosedFirst);
            Assert.Equal(WebSocketState.Closed, handler.StateAfterClose);
            // ws answers with the same code.
            Assert.Equal((CloseStatus?)4001, handler.PeerClose.Status);
        }
    }

    [Fact]
    public async Task Node_ws_client_close_4003_with_reason_reaches_our_ReceiveMessageAsync_and_our_CloseAsync_completes_Closed()
    {
        (ChildProcess node, ConnectionEchoHandler handler) = await RunNodeClientAsync("close-by-client", "4003", "ws closes");
        await using (node)
        {
            Assert.False(handler.ClosedFirst);
            Assert.Equal(((CloseStatus?)4003, (string?)"ws closes"), handler.PeerCloseMessage);
            Assert.Equal(((CloseStatus?)4003, (string?)"ws closes"), handler.PeerClose);
            Assert.Equal(WebSocketState.Closed, handler.StateAfterClose);
            AssertNodeLine(node, "CLOSE 4003 ");
        }
    }

    // ------------------------------------------------------------------------------------------------------------------
    // Our client against Kestrel's WebSockets middleware
    // ------------------------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Our_client_to_Kestrel_text_message_round_trips()
    {
        await using KestrelConnectionPeer kestrel = await KestrelConnectionPeer.StartAsync();
        await using OurClient client = await OurClient.ConnectAsync(kestrel.Uri);
        const string text = "hello, Kestrel — grüße 世界";

        await Within(client.Connection.SendTextAsync(text));
        (WebSocketMessageType type, byte[] echoed) = await ReceiveAsync(client.Connection);
        await Within(client.Connection.CloseAsync(CloseStatus.NormalClosure, "done"));
        KestrelPeerSession session = await kestrel.Session.WaitAsync(Timeout);

        Assert.Equal(WebSocketMessageType.Text, type);
        Assert.Equal(text, ConnectionInterop.FromUtf8(echoed));
        KestrelPeerMessage received = Assert.Single(session.Messages);
        Assert.Equal(WebSocketMessageType.Text, received.Type);
        Assert.Equal(text, ConnectionInterop.FromUtf8(received.Data));
        Assert.Equal(WebSocketState.Closed, client.Connection.State);
    }

    [Fact]
    public async Task Our_client_to_Kestrel_binary_message_round_trips_and_comes_back_in_4_KiB_frames()
    {
        await using KestrelConnectionPeer kestrel = await KestrelConnectionPeer.StartAsync();
        await using OurClient client = await OurClient.ConnectAsync(kestrel.Uri);
        byte[] message = InteropFrames.Pattern(10_000);

        await Within(client.Connection.SendAsync(message, WebSocketMessageType.Binary));
        (WebSocketMessageType type, byte[] echoed) = await ReceiveAsync(client.Connection);
        await Within(client.Connection.CloseAsync(CloseStatus.NormalClosure, "done"));
        KestrelPeerSession session = await kestrel.Session.WaitAsync(Timeout);

        Assert.Equal(WebSocketMessageType.Binary, type);
        Assert.Equal(message, echoed);
        Assert.Equal(message, Assert.Single(session.Messages).Data);
        Assert.Equal(
            new[] { (Opcode.Binary, false, 4096L), (Opcode.Continuation, false, 4096L), (Opcode.Continuation, true, 1808L) },
            (await client.Tap.AllFramesAsync(Timeout)).Where(f => !f.Opcode.IsControl()).Select(f => (f.Opcode, f.IsFinal, f.PayloadLength)));
    }

    [Theory]
    [MemberData(nameof(TextOrBinary))]
    public async Task Our_client_to_Kestrel_1_MiB_message_goes_each_way(bool text)
    {
        await using KestrelConnectionPeer kestrel = await KestrelConnectionPeer.StartAsync();
        await using OurClient client = await OurClient.ConnectAsync(kestrel.Uri);
        byte[] message = LargeMessage(text);
        WebSocketMessageType messageType = text ? WebSocketMessageType.Text : WebSocketMessageType.Binary;

        await Within(client.Connection.SendAsync(message, messageType));
        (WebSocketMessageType type, byte[] echoed) = await ReceiveAsync(client.Connection);
        await Within(client.Connection.CloseAsync(CloseStatus.NormalClosure, "done"));
        KestrelPeerSession session = await kestrel.Session.WaitAsync(Timeout);

        KestrelPeerMessage received = Assert.Single(session.Messages);
        Assert.Equal(text ? WebSocketMessageType.Text : WebSocketMessageType.Binary, received.Type);
        Assert.True(message.AsSpan().SequenceEqual(received.Data), "Kestrel received different bytes.");
        Assert.Equal(messageType, type);
        Assert.True(message.AsSpan().SequenceEqual(echoed), "The echo differs from what was sent.");
        // The echo came as 256 frames of 4 KiB (text ones split inside characters), reassembled by our receive.
        Assert.Equal(ConnectionInterop.OneMiB / KestrelConnectionPeer.ReceiveBufferSize, (await client.Tap.AllFramesAsync(Timeout)).Count(f => !f.Opcode.IsControl()));
    }

    [Fact]
    public async Task Our_client_SendFragmentAsync_in_three_parts_with_a_ping_between_is_reassembled_by_Kestrel()
    {
        await using KestrelConnectionPeer kestrel = await KestrelConnectionPeer.StartAsync();
        await using OurClient client = await OurClient.ConnectAsync(kestrel.Uri);

        await SendThreeFragmentsWithPingBetweenAsync(client.Connection);
        (WebSocketMessageType type, byte[] echoed) = await ReceiveAsync(client.Connection);
        await Within(client.Connection.CloseAsync(CloseStatus.NormalClosure, "done"));
        KestrelPeerSession session = await kestrel.Session.WaitAsync(Timeout);

        KestrelPeerMessage received = Assert.Single(session.Messages);
        Assert.Equal(WebSocketMessageType.Text, received.Type);
        Assert.Equal(ConnectionInterop.FragmentedText, ConnectionInterop.FromUtf8(received.Data));
        Assert.InRange(received.Receives, 3, int.MaxValue);
        Assert.Equal(WebSocketMessageType.Text, type);
        Assert.Equal(ConnectionInterop.FragmentedText, ConnectionInterop.FromUtf8(echoed));
        Assert.Equal("between fragments", Assert.Single(await client.Tap.AllFramesAsync(Timeout), f => f.Opcode == Opcode.Pong).ControlText);
    }

    [Fact]
    public async Task Kestrel_fragmented_text_split_inside_characters_is_reassembled_by_our_client()
    {
        await using KestrelConnectionPeer kestrel = await KestrelConnectionPeer.StartAsync();
        await using OurClient client = await OurClient.ConnectAsync(kestrel.Uri);
        (int first, int second) = ConnectionInterop.FragmentSplits;

        await Within(client.Connection.SendTextAsync(ConnectionInterop.FragmentCommand(ConnectionInterop.FragmentedText, first, second)));
        (WebSocketMessageType type, byte[] message) = await ReceiveAsync(client.Connection);
        await Within(client.Connection.CloseAsync(CloseStatus.NormalClosure, "done"));
        await kestrel.Session.WaitAsync(Timeout);

        Assert.Equal(WebSocketMessageType.Text, type);
        Assert.Equal(ConnectionInterop.FragmentedText, ConnectionInterop.FromUtf8(message));
        AssertThreeTextFragments(await client.Tap.AllFramesAsync(Timeout), ConnectionInterop.Utf8(ConnectionInterop.FragmentedText).Length, first, second);
    }

    [Fact]
    public async Task Our_client_PingAsync_is_answered_by_Kestrel_and_the_next_message_still_flows()
    {
        await using KestrelConnectionPeer kestrel = await KestrelConnectionPeer.StartAsync();
        await using OurClient client = await OurClient.ConnectAsync(kestrel.Uri);

        await Within(client.Connection.PingAsync(ConnectionInterop.Utf8("client-probe")));
        await client.Tap.WaitForFrameAsync(f => f.Opcode == Opcode.Pong, Timeout, "Kestrel's pong");
        await Within(client.Connection.SendTextAsync("after ping"));
        (WebSocketMessageType type, byte[] echoed) = await ReceiveAsync(client.Connection);
        await Within(client.Connection.CloseAsync(CloseStatus.NormalClosure, "done"));
        await kestrel.Session.WaitAsync(Timeout);

        TappedFrame pong = Assert.Single(await client.Tap.AllFramesAsync(Timeout), f => f.Opcode == Opcode.Pong);
        Assert.Equal("client-probe", pong.ControlText);
        Assert.False(pong.IsMasked);
        Assert.Equal(WebSocketMessageType.Text, type);
        Assert.Equal("after ping", ConnectionInterop.FromUtf8(echoed));
        Assert.Equal(WebSocketState.Closed, client.Connection.State);
    }

    [Fact]
    public async Task Kestrel_keepalive_pings_are_answered_by_our_client_for_longer_than_its_pong_timeout()
    {
        // Kestrel pings every 100 ms and aborts the connection when a pong is more than a second late.
        await using KestrelConnectionPeer kestrel = await KestrelConnectionPeer.StartAsync(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1));
        await using OurClient client = await OurClient.ConnectAsync(kestrel.Uri);

        // Our receive, pending meanwhile, is what answers the pings.
        Task<(WebSocketMessageType, byte[])> pending = ReceiveAsync(client.Connection);
        await client.Tap.WaitUntilAsync(f => f.Count(x => x.Opcode == Opcode.Ping) >= 15, Timeout, "15 keep-alive pings from Kestrel");
        await Within(client.Connection.SendTextAsync("after pings"));
        (WebSocketMessageType type, byte[] echoed) = await pending;
        await Within(client.Connection.CloseAsync(CloseStatus.NormalClosure, "done"));
        KestrelPeerSession session = await kestrel.Session.WaitAsync(Timeout);

        Assert.Equal(WebSocketMessageType.Text, type);
        Assert.Equal("after pings", ConnectionInterop.FromUtf8(echoed));
        Assert.Equal(WebSocketCloseStatus.NormalClosure, session.CloseStatus);
        Assert.Equal(WebSocketState.Closed, client.Connection.State);
    }

    [Fact]
    public async Task When_Kestrel_aborts_for_want_of_pongs_our_receive_returns_an_abnormal_closure_and_the_state_is_Aborted()
    {
        await using KestrelConnectionPeer kestrel = await KestrelConnectionPeer.StartAsync(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1));
        using var timeout = new CancellationTokenSource(Timeout);
        // Straight on the transport (no tap), as an application would use it.
        var options = new WebSocketClientOptions { Connection = ConnectionInterop.ClientOptions() };
        using WebSocketConnection connection = await WebSocketClient.ConnectAsync(kestrel.Uri, options, timeout.Token).WaitAsync(Timeout);

        // Nobody receives on our side, so Kestrel's pings go unanswered and it aborts the connection after a second.
        Exception? aborted = await Record.ExceptionAsync(() => kestrel.Session.WaitAsync(Timeout));
        Assert.NotNull(aborted);
        await Task.Delay(500);
        using WebSocketMessage lost = await connection.ReceiveMessageAsync().AsTask().WaitAsync(Timeout);

        // A lost transport is an ordinary outcome (RFC 6455 section 7.1.5): a close with 1006, and the state Aborted.
        Assert.Equal(WebSocketMessageType.Close, lost.MessageType);
        Assert.Equal(CloseStatus.AbnormalClosure, lost.CloseStatus);
        Assert.Equal(ProtocolError.ConnectionLost, lost.AbnormalClosureReason);
        Assert.Equal(WebSocketState.Aborted, connection.State);
    }

    [Fact]
    public async Task Our_client_CloseAsync_4002_with_reason_is_seen_by_Kestrel_which_echoes_it()
    {
        await using KestrelConnectionPeer kestrel = await KestrelConnectionPeer.StartAsync();
        await using OurClient client = await OurClient.ConnectAsync(kestrel.Uri);

        await Within(client.Connection.CloseAsync((CloseStatus)4002, "our client closes"));
        KestrelPeerSession session = await kestrel.Session.WaitAsync(Timeout);

        Assert.Equal(WebSocketState.Closed, client.Connection.State);
        Assert.False(session.ClosedFirst);
        Assert.Equal((WebSocketCloseStatus)4002, session.CloseStatus);
        Assert.Equal("our client closes", session.CloseDescription);
        Assert.Equal(WebSocketState.Closed, session.FinalState);
        Assert.Equal((CloseStatus)4002, client.Connection.PeerCloseStatus);
        Assert.Equal("our client closes", client.Connection.PeerCloseReason);
    }

    [Fact]
    public async Task Kestrel_close_4004_with_reason_reaches_our_ReceiveMessageAsync_and_our_CloseAsync_completes_Closed()
    {
        await using KestrelConnectionPeer kestrel = await KestrelConnectionPeer.StartAsync();
        await using OurClient client = await OurClient.ConnectAsync(kestrel.Uri);

        await Within(client.Connection.SendTextAsync(ConnectionInterop.CloseCommand(4004, "kestrel closes")));
        WebSocketMessage close = await Within(client.Connection.ReceiveMessageAsync());
        Assert.Equal(WebSocketMessageType.Close, close.MessageType);
        Assert.Equal((CloseStatus)4004, close.CloseStatus);
        Assert.Equal("kestrel closes", close.CloseReason);
        await Within(client.Connection.CloseAsync(CloseStatus.NormalClosure, "done"));
        KestrelPeerSession session = await kestrel.Session.WaitAsync(Timeout);

        Assert.Equal(WebSocketState.Closed, client.Connection.State);
        Assert.Equal((CloseStatus)4004, client.Connection.PeerCloseStatus);
        Assert.Equal("kestrel closes", client.Connection.PeerCloseReason);
        Assert.True(session.ClosedFirst);
        // Our automatic answer echoes the code.
        Assert.Equal((WebSocketCloseStatus)4004, session.CloseStatus);
        Assert.Equal(WebSocketState.Closed, session.FinalState);
    }

    // ------------------------------------------------------------------------------------------------------------------
    // Our client against a Node ws server
    // ------------------------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Our_client_to_Node_ws_server_text_message_round_trips()
    {
        (ChildProcess node, Uri uri) = await StartNodeServerAsync();
        await using (node)
        {
            await using OurClient client = await OurClient.ConnectAsync(uri);
            const string text = "hello, ws — grüße 世界";

            await Within(client.Connection.SendTextAsync(text));
            (WebSocketMessageType type, byte[] echoed) = await ReceiveAsync(client.Connection);
            await Within(client.Connection.CloseAsync(CloseStatus.NormalClosure, "done"));

            Assert.Equal(WebSocketMessageType.Text, type);
            Assert.Equal(text, ConnectionInterop.FromUtf8(echoed));
            byte[] bytes = ConnectionInterop.Utf8(text);
            Assert.Equal(WebSocketState.Closed, client.Connection.State);
            await WaitForNodeLineAsync(node, $"MESSAGE text {bytes.Length} {ConnectionInterop.Sha256Hex(bytes)}");
            // ws reports the close once the TCP connection is down on both sides, and our socket closes with the transport.
            await client.DisposeAsync();
            await WaitForNodeLineAsync(node, "CLOSE 1000 done");
        }
    }

    [Fact]
    public async Task Our_client_to_Node_ws_server_binary_message_round_trips()
    {
        (ChildProcess node, Uri uri) = await StartNodeServerAsync();
        await using (node)
        {
            await using OurClient client = await OurClient.ConnectAsync(uri);
            byte[] message = InteropFrames.Pattern(10_000);

            await Within(client.Connection.SendAsync(message, WebSocketMessageType.Binary));
            (WebSocketMessageType type, byte[] echoed) = await ReceiveAsync(client.Connection);
            await Within(client.Connection.CloseAsync(CloseStatus.NormalClosure, "done"));

            Assert.Equal(WebSocketMessageType.Binary, type);
            Assert.Equal(message, echoed);
            await WaitForNodeLineAsync(node, $"MESSAGE binary 10000 {ConnectionInterop.Sha256Hex(message)}");
        }
    }

    [Theory]
    [MemberData(nameof(TextOrBinary))]
    public async Task Our_client_to_Node_ws_server_1_MiB_message_goes_each_way(bool text)
    {
        (ChildProcess node, Uri uri) = await StartNodeServerAsync();
        await using (node)
        {
            await using OurClient client = await OurClient.ConnectAsync(uri);
            byte[] message = LargeMessage(text);
            WebSocketMessageType messageType = text ? WebSocketMessageType.Text : WebSocketMessageType.Binary;

            await Within(client.Connection.SendAsync(message, messageType));
            (WebSocketMessageType type, byte[] echoed) = await ReceiveAsync(client.Connection);
            await Within(client.Connection.CloseAsync(CloseStatus.NormalClosure, "done"));

            await WaitForNodeLineAsync(node, $"MESSAGE {(text ? "text" : "binary")} {ConnectionInterop.OneMiB} {ConnectionInterop.Sha256Hex(message)}");
            Assert.Equal(messageType, type);
            Assert.True(message.AsSpan().SequenceEqual(echoed), "The echo differs from what was sent.");
        }
    }

    [Fact]
    public async Task Our_client_SendFragmentAsync_in_three_parts_with_a_ping_between_is_reassembled_by_Node_ws()
    {
        (ChildProcess node, Uri uri) = await StartNodeServerAsync();
        await using (node)
        {
            await using OurClient client = await OurClient.ConnectAsync(uri);

            await SendThreeFragmentsWithPingBetweenAsync(client.Connection);
            (WebSocketMessageType type, byte[] echoed) = await ReceiveAsync(client.Connection);
            await Within(client.Connection.CloseAsync(CloseStatus.NormalClosure, "done"));

            byte[] body = ConnectionInterop.Utf8(ConnectionInterop.FragmentedText);
            await WaitForNodeLineAsync(node, $"MESSAGE text {body.Length} {ConnectionInterop.Sha256Hex(body)}");
            await WaitForNodeLineAsync(node, "PING between fragments");
            Assert.Equal(WebSocketMessageType.Text, type);
            Assert.Equal(ConnectionInterop.FragmentedText, ConnectionInterop.FromUtf8(echoed));
            Assert.Equal("between fragments", Assert.Single(await client.Tap.AllFramesAsync(Timeout), f => f.Opcode == Opcode.Pong).ControlText);
        }
    }

    [Fact]
    public async Task Node_ws_server_fragmented_text_split_inside_characters_is_reassembled_by_our_client()
    {
        (ChildProcess node, Uri uri) = await StartNodeServerAsync();
        await using (node)
        {
            await using OurClient client = await OurClient.ConnectAsync(uri);
            (int first, int second) = ConnectionInterop.FragmentSplits;

            await Within(client.Connection.SendTextAsync(ConnectionInterop.FragmentCommand(ConnectionInterop.FragmentedText, first, second)));
            (WebSocketMessageType type, byte[] message) = await ReceiveAsync(client.Connection);
            await Within(client.Connection.CloseAsync(CloseStatus.NormalClosure, "done"));

            Assert.Equal(WebSocketMessageType.Text, type);
            Assert.Equal(ConnectionInterop.FragmentedText, ConnectionInterop.FromUtf8(message));
            AssertThreeTextFragments(await client.Tap.AllFramesAsync(Timeout), ConnectionInterop.Utf8(ConnectionInterop.FragmentedText).Length, first, second);
        }
    }

    [Fact]
    public async Task Our_client_and_the_Node_ws_server_ping_each_other_and_both_pongs_come_back()
    {
        (ChildProcess node, Uri uri) = await StartNodeServerAsync();
        await using (node)
        {
            await using OurClient client = await OurClient.ConnectAsync(uri);

            // Ours: ws answers by itself.
            await Within(client.Connection.PingAsync(ConnectionInterop.Utf8("client-probe")));
            await client.Tap.WaitForFrameAsync(f => f.Opcode == Opcode.Pong, Timeout, "ws's pong");
            // Theirs: our receive answers it, and ws reports the pong with a text message.
            await Within(client.Connection.SendTextAsync("!ping:ws-probe"));
            (WebSocketMessageType reportType, byte[] report) = await ReceiveAsync(client.Connection);
            await Within(client.Connection.SendTextAsync("after ping"));
            (_, byte[] after) = await ReceiveAsync(client.Connection);
            await Within(client.Connection.CloseAsync(CloseStatus.NormalClosure, "done"));

            Assert.Equal("client-probe", Assert.Single(await client.Tap.AllFramesAsync(Timeout), f => f.Opcode == Opcode.Pong).ControlText);
            await WaitForNodeLineAsync(node, "PING client-probe");
            Assert.Equal("ws-probe", Assert.Single(await client.Tap.AllFramesAsync(Timeout), f => f.Opcode == Opcode.Ping).ControlText);
            await WaitForNodeLineAsync(node, "PONG ws-probe");
            Assert.Equal(WebSocketMessageType.Text, reportType);
            Assert.Equal("pong:ws-probe", ConnectionInterop.FromUtf8(report));
            Assert.Equal("after ping", ConnectionInterop.FromUtf8(after));
            Assert.Equal(WebSocketState.Closed, client.Connection.State);
        }
    }

    [Fact]
    public async Task Our_client_CloseAsync_4002_with_reason_is_seen_by_the_Node_ws_server()
    {
        (ChildProcess node, Uri uri) = await StartNodeServerAsync();
        await using (node)
        {
            await using OurClient client = await OurClient.ConnectAsync(uri);

            await Within(client.Connection.CloseAsync((CloseStatus)4002, "our client closes"));

            Assert.Equal(WebSocketState.Closed, client.Connection.State);
            // ws answers with the same code.
            Assert.Equal((CloseStatus)4002, client.Connection.PeerCloseStatus);
            await client.DisposeAsync();
            await WaitForNodeLineAsync(node, "CLOSE 4002 our client closes");
        }
    }

    [Fact]
    public async Task Node_ws_server_close_4005_with_reason_reaches_our_ReceiveMessageAsync_and_our_CloseAsync_completes_Closed()
    {
        (ChildProcess node, Uri uri) = await StartNodeServerAsync();
        await using (node)
        {
            await using OurClient client = await OurClient.ConnectAsync(uri);

            await Within(client.Connection.SendTextAsync(ConnectionInterop.CloseCommand(4005, "ws closes")));
            WebSocketMessage close = await Within(client.Connection.ReceiveMessageAsync());
            Assert.Equal(WebSocketMessageType.Close, close.MessageType);
            Assert.Equal((CloseStatus)4005, close.CloseStatus);
            Assert.Equal("ws closes", close.CloseReason);
            await Within(client.Connection.CloseAsync(CloseStatus.NormalClosure, "done"));

            Assert.Equal(WebSocketState.Closed, client.Connection.State);
            Assert.Equal((CloseStatus)4005, client.Connection.PeerCloseStatus);
            Assert.Equal("ws closes", client.Connection.PeerCloseReason);
            // ws reports the code of our answer, which echoes its own, once our socket is closed too.
            await client.DisposeAsync();
            await WaitForNodeLineAsync(node, "CLOSE 4005 ");
        }
    }

    // ------------------------------------------------------------------------------------------------------------------
    // Helpers
    // ------------------------------------------------------------------------------------------------------------------

    private static byte[] LargeMessage(bool text) =>
        text ? ConnectionInterop.Utf8(ConnectionInterop.LargeText(ConnectionInterop.OneMiB)) : InteropFrames.Pattern(ConnectionInterop.OneMiB);

    /// <summary>The three data frames of <see cref="ConnectionInterop.FragmentedText"/> split at <paramref name="first"/> and <paramref name="second"/>.</summary>
    private static void AssertThreeTextFragments(IReadOnlyList<TappedFrame> frames, int length, int first, int second)
    {
        Assert.Equal(
            new[] { (Opcode.Text, false, (long)first), (Opcode.Continuation, false, (long)(second - first)), (Opcode.Continuation, true, (long)(length - second)) },
            frames.Where(f => !f.Opcode.IsControl()).Take(3).Select(f => (f.Opcode, f.IsFinal, f.PayloadLength)));
    }

    /// <summary>Sends <see cref="ConnectionInterop.FragmentedText"/> in three parts, with a ping "between fragments" after the first.</summary>
    private static async Task SendThreeFragmentsWithPingBetweenAsync(WebSocketConnection connection)
    {
        byte[] body = ConnectionInterop.Utf8(ConnectionInterop.FragmentedText);
        (int first, int second) = ConnectionInterop.FragmentSplits;
        await Within(connection.SendFragmentAsync(body.AsMemory(0, first), WebSocketMessageType.Text, endOfMessage: false));
        await Within(connection.PingAsync(ConnectionInterop.Utf8("between fragments")));
        await Within(connection.SendFragmentAsync(body.AsMemory(first, second - first), WebSocketMessageType.Text, endOfMessage: false));
        await Within(connection.SendFragmentAsync(body.AsMemory(second), WebSocketMessageType.Text, endOfMessage: true));
    }
}
