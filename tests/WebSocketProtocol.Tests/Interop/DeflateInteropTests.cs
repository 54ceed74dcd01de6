using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net.WebSockets;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using WebSocketProtocol.Extensions;
using WebSocketProtocol.Extensions.Deflate;
using WebSocketProtocol.Framing;
using Xunit;
using static WebSocketProtocol.Tests.Interop.InteropPeers;
using WebSocketProtocol.Tests.Support;

namespace WebSocketProtocol.Tests.Interop;

/// <summary>
/// permessage-deflate (RFC 7692) agreed and used between this library and other implementations over loopback sockets:
/// our server against .NET's <see cref="ClientWebSocket"/> and a Node ws client, our client against Kestrel's WebSockets
/// middleware and a Node ws server. Every connection carries the same <see cref="Matrix"/> of messages through an echo;
/// besides the bytes, the tests check what crossed the wire each way (a <see cref="FrameTap"/> on both of our pipes): RSV1
/// on the first frame of compressed messages only, our 32-byte threshold, context takeover (a repeated message shrinks to a
/// back-reference, or stays the same size without it), and the window (a repeat 4 KiB back is found with a 32 KiB window,
/// and must not be with a window of 2 KiB or less, or the peer's inflater would fail).
/// </summary>
[Collection(InteropCollection.Name)]
public sealed class DeflateInteropTests
{
    private static readonly TimeSpan Timeout = ConnectionInterop.Timeout;

    /// <summary>Our policy's threshold (the default): shorter messages go out uncompressed.</summary>
    private const int OurThreshold = 32;

    // Indexes into Matrix of the messages that show context takeover, the window and the compression ratio.
    private const int RepeatFirst = 3;
    private const int RepeatSecond = 4;
    private const int FarRepeat = 6;

    /// <summary>
    /// Sent in this order on every connection: empty text and binary; a text under our threshold; the same 200
    /// incompressible bytes twice (the second shrinks to a back-reference only with context takeover); 64 KiB of JSON-like
    /// text; a 4 KiB random block twice (the repeat is in reach only of a window over 4 KiB); 1 MiB of random bytes; and the
    /// JSON again, after the random bytes have filled the window.
    /// </summary>
    private static readonly MatrixMessage[] Matrix =
    {
        new("text", 0), new("binary", 0), new("text", 26), new("binary", 200), new("binary", 200),
        new("json", 64 * 1024), new("far", 8 * 1024), new("random", ConnectionInterop.OneMiB), new("json", 64 * 1024),
    };

    private static readonly Lazy<byte[][]> LazyMatrixData = new(() => Matrix.Select((m, i) => m.Create(seed: 7692 + i)).ToArray());

    private static byte[][] MatrixData => LazyMatrixData.Value;

    // ------------------------------------------------------------------------------------------------------------------
    // Our server against ClientWebSocket
    // ------------------------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Our_server_with_deflate_echoes_every_message_to_ClientWebSocket_compressed_both_ways_with_context_takeover()
    {
        (ConnectionEchoHandler handler, string? answer) = await EchoMatrixWithClientWebSocketAsync(new PerMessageDeflateOptions(), new WebSocketDeflateOptions());

        Assert.Equal("permessage-deflate", answer);
        PerMessageDeflateExtension agreed = AgreedDeflate(handler.Extensions);
        Assert.Equal((false, false, 15, 15), Parameters(agreed));
        await AssertServerSideWireAsync(handler, agreed);
    }

    [Fact]
    public async Task Our_server_with_deflate_echoes_every_message_to_ClientWebSocket_compressed_both_ways_without_context_takeover_either_way()
    {
        var offer = new WebSocketDeflateOptions { ClientContextTakeover = false, ServerContextTakeover = false };
        (ConnectionEchoHandler handler, string? answer) = await EchoMatrixWithClientWebSocketAsync(new PerMessageDeflateOptions(), offer);

        Assert.Equal("permessage-deflate; server_no_context_takeover; client_no_context_takeover", answer);
        PerMessageDeflateExtension agreed = AgreedDeflate(handler.Extensions);
        Assert.Equal((true, true, 15, 15), Parameters(agreed));
        await AssertServerSideWireAsync(handler, agreed);
    }

    [Fact]
    public async Task Our_server_with_deflate_echoes_every_message_to_ClientWebSocket_with_a_10_bit_client_window_and_an_11_bit_server_window()
    {
        var offer = new WebSocketDeflateOptions { ClientMaxWindowBits = 10, ServerMaxWindowBits = 11 };
        (ConnectionEchoHandler handler, string? answer) = await EchoMatrixWithClientWebSocketAsync(new PerMessageDeflateOptions(), offer);

        Assert.Equal("permessage-deflate; server_max_window_bits=11; client_max_window_bits=10", answer);
        PerMessageDeflateExtension agreed = AgreedDeflate(handler.Extensions);
        Assert.Equal((false, false, 11, 10), Parameters(agreed));
        await AssertServerSideWireAsync(handler, agreed);
    }

    [Fact]
    public async Task Our_server_policy_of_server_no_context_takeover_and_a_10_bit_window_is_accepted_by_ClientWebSocket_which_inflates_every_echo()
    {
        var policy = new PerMessageDeflateOptions { ServerNoContextTakeover = true, ServerMaxWindowBits = 10 };
        (ConnectionEchoHandler handler, string? answer) = await EchoMatrixWithClientWebSocketAsync(policy, new WebSocketDeflateOptions());

        // RFC 7692 sections 7.1.1.1 and 7.1.2.1: a server may add both to its answer unasked.
        Assert.Equal("permessage-deflate; server_no_context_takeover; server_max_window_bits=10", answer);
        PerMessageDeflateExtension agreed = AgreedDeflate(handler.Extensions);
        Assert.Equal((true, false, 10, 15), Parameters(agreed));
        await AssertServerSideWireAsync(handler, agreed);
    }

    [Fact]
    public async Task ClientWebSocket_offering_deflate_to_our_server_without_the_deflate_factory_agrees_no_extension_and_every_message_round_trips_uncompressed()
    {
        (ConnectionEchoHandler handler, string? answer) = await EchoMatrixWithClientWebSocketAsync(null, new WebSocketDeflateOptions());

        Assert.Null(answer);
        Assert.Empty(handler.Extensions);
        AssertNothingCompressed((await handler.Tap.WaitAsync(Timeout)).Messages, "ClientWebSocket");
        AssertNothingCompressed((await handler.SentTap.WaitAsync(Timeout)).Messages, "our server");
    }

    // ------------------------------------------------------------------------------------------------------------------
    // Our client against Kestrel
    // ------------------------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Our_client_offering_deflate_to_Kestrel_with_compression_enabled_gets_every_message_echoed_compressed_both_ways_with_context_takeover()
    {
        await using KestrelConnectionPeer kestrel = await KestrelConnectionPeer.StartAsync(configureAccept: EnableCompression);

        MatrixRun run = await EchoMatrixWithOurClientAsync(kestrel.Uri, new PerMessageDeflateOptions());
        KestrelPeerSession session = await kestrel.Session.WaitAsync(Timeout);

        Assert.Equal("permessage-deflate; client_max_window_bits", session.OfferedExtensions);
        Assert.Equal("permessage-deflate; client_max_window_bits=15", session.AnsweredExtensions);
        Assert.Equal((false, false, 15, 15), Parameters(run.Agreed));
        AssertKestrelReceivedTheMatrix(session);
        AssertClientSideWire(run);
    }

    [Fact]
    public async Task Our_client_offering_no_context_takeover_either_way_to_Kestrel_gets_both_agreed_and_every_message_echoed_compressed()
    {
        await using KestrelConnectionPeer kestrel = await KestrelConnectionPeer.StartAsync(configureAccept: EnableCompression);
        var offer = new PerMessageDeflateOptions { ServerNoContextTakeover = true, ClientNoContextTakeover = true };

        MatrixRun run = await EchoMatrixWithOurClientAsync(kestrel.Uri, offer);
        KestrelPeerSession session = await kestrel.Session.WaitAsync(Timeout);

        Assert.Equal("permessage-deflate; server_no_context_takeover; client_no_context_takeover; client_max_window_bits", session.OfferedExtensions);
        Assert.Equal("permessage-deflate; client_no_context_takeover; client_max_window_bits=15; server_no_context_takeover", session.AnsweredExtensions);
        Assert.Equal((true, true, 15, 15), Parameters(run.Agreed));
        AssertKestrelReceivedTheMatrix(session);
        AssertClientSideWire(run);
    }

    [Fact]
    public async Task Our_client_asking_Kestrel_for_a_10_bit_server_window_gets_it_agreed_and_Kestrel_compresses_within_it()
    {
        await using KestrelConnectionPeer kestrel = await KestrelConnectionPeer.StartAsync(configureAccept: EnableCompression);
        var offer = new PerMessageDeflateOptions { ServerMaxWindowBits = 10, ClientMaxWindowBits = 11 };

        MatrixRun run = await EchoMatrixWithOurClientAsync(kestrel.Uri, offer);
        KestrelPeerSession session = await kestrel.Session.WaitAsync(Timeout);

        Assert.Equal("permessage-deflate; server_max_window_bits=10; client_max_window_bits=11", session.OfferedExtensions);
        // RFC 7692 section 7.1.2.1: the answer carries server_max_window_bits no larger than asked; Kestrel honours it.
        Assert.Equal("permessage-deflate; client_max_window_bits=11; server_max_window_bits=10", session.AnsweredExtensions);
        Assert.Equal((false, false, 10, 11), Parameters(run.Agreed));
        AssertKestrelReceivedTheMatrix(session);
        AssertClientSideWire(run);
    }

    [Fact]
    public async Task Kestrel_policy_of_server_no_context_takeover_and_a_10_bit_server_window_is_accepted_by_our_client_which_inflates_every_echo()
    {
        await using KestrelConnectionPeer kestrel = await KestrelConnectionPeer.StartAsync(configureAccept: accept =>
        {
            EnableCompression(accept);
            accept.DisableServerContextTakeover = true;
            accept.ServerMaxWindowBits = 10;
        });

        MatrixRun run = await EchoMatrixWithOurClientAsync(kestrel.Uri, new PerMessageDeflateOptions());
        KestrelPeerSession session = await kestrel.Session.WaitAsync(Timeout);

        // RFC 7692 sections 7.1.1.1 and 7.1.2.1: a server may add both to its answer unasked.
        Assert.Equal("permessage-deflate; client_max_window_bits=15; server_no_context_takeover; server_max_window_bits=10", session.AnsweredExtensions);
        Assert.Equal((true, false, 10, 15), Parameters(run.Agreed));
        AssertKestrelReceivedTheMatrix(session);
        AssertClientSideWire(run);
    }

    // ------------------------------------------------------------------------------------------------------------------
    // Our client against a Node ws server
    // ------------------------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Our_client_offering_deflate_to_a_ws_server_with_deflate_gets_every_message_echoed_compressed_both_ways_with_context_takeover()
    {
        MatrixRun run = await EchoMatrixWithNodeServerAsync(new { threshold = 0 }, new PerMessageDeflateOptions(), "permessage-deflate; client_max_window_bits", "permessage-deflate");

        Assert.Equal((false, false, 15, 15), Parameters(run.Agreed));
        AssertClientSideWire(run);
    }

    [Fact]
    public async Task Our_client_offering_no_context_takeover_a_10_bit_server_window_and_a_9_bit_client_window_to_ws_gets_them_agreed_and_used()
    {
        var offer = new PerMessageDeflateOptions { ServerNoContextTakeover = true, ClientNoContextTakeover = true, ServerMaxWindowBits = 10, ClientMaxWindowBits = 9 };

        MatrixRun run = await EchoMatrixWithNodeServerAsync(
            new { threshold = 0 },
            offer,
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=9",
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=9");

        Assert.Equal((true, true, 10, 9), Parameters(run.Agreed));
        AssertClientSideWire(run);
    }

    [Fact]
    public async Task The_ws_server_policy_of_no_context_takeover_a_10_bit_server_window_and_a_9_bit_client_window_is_accepted_and_honoured_by_our_client()
    {
        var policy = new { threshold = 0, serverNoContextTakeover = true, clientNoContextTakeover = true, serverMaxWindowBits = 10, clientMaxWindowBits = 9 };

        MatrixRun run = await EchoMatrixWithNodeServerAsync(
            policy,
            new PerMessageDeflateOptions(),
            "permessage-deflate; client_max_window_bits",
            "permessage-deflate; client_max_window_bits=9; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10");

        Assert.Equal((true, true, 10, 9), Parameters(run.Agreed));
        AssertClientSideWire(run);
    }

    // ------------------------------------------------------------------------------------------------------------------
    // A Node ws client against our server
    // ------------------------------------------------------------------------------------------------------------------

    [Fact]
    public async Task The_ws_client_with_deflate_gets_every_message_echoed_by_our_server_compressed_both_ways_with_context_takeover()
    {
        (ChildProcess node, ConnectionEchoHandler handler) = await EchoMatrixWithNodeClientAsync(new PerMessageDeflateOptions(), new { threshold = 0 });
        await using (node)
        {
            AssertNodeLine(node, "EXTENSIONS permessage-deflate");
            PerMessageDeflateExtension agreed = AgreedDeflate(handler.Extensions);
            Assert.Equal((false, false, 15, 15), Parameters(agreed));
            await AssertServerSideWireAsync(handler, agreed);
        }
    }

    [Fact]
    public async Task The_ws_client_offering_no_context_takeover_a_10_bit_server_window_and_a_9_bit_client_window_gets_them_agreed_and_used_by_our_server()
    {
        var offer = new { threshold = 0, serverNoContextTakeover = true, clientNoContextTakeover = true, serverMaxWindowBits = 10, clientMaxWindowBits = 9 };
        (ChildProcess node, ConnectionEchoHandler handler) = await EchoMatrixWithNodeClientAsync(new PerMessageDeflateOptions(), offer);
        await using (node)
        {
            AssertNodeLine(node, "EXTENSIONS permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=9");
            PerMessageDeflateExtension agreed = AgreedDeflate(handler.Extensions);
            Assert.Equal((true, true, 10, 9), Parameters(agreed));
            await AssertServerSideWireAsync(handler, agreed);
        }
    }

    [Fact]
    public async Task Our_server_policy_of_no_context_takeover_a_9_bit_server_window_and_a_10_bit_client_window_is_accepted_and_honoured_by_the_ws_client()
    {
        var policy = new PerMessageDeflateOptions { ServerNoContextTakeover = true, ClientNoContextTakeover = true, ServerMaxWindowBits = 9, ClientMaxWindowBits = 10 };
        (ChildProcess node, ConnectionEchoHandler handler) = await EchoMatrixWithNodeClientAsync(policy, new { threshold = 0 });
        await using (node)
        {
            AssertNodeLine(node, "EXTENSIONS permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9; client_max_window_bits=10");
            PerMessageDeflateExtension agreed = AgreedDeflate(handler.Extensions);
            Assert.Equal((true, true, 9, 10), Parameters(agreed));
            await AssertServerSideWireAsync(handler, agreed);
        }
    }

    [Fact]
    public async Task The_ws_client_offering_deflate_to_our_server_without_the_deflate_factory_agrees_no_extension_and_every_message_round_trips_uncompressed()
    {
        (ChildProcess node, ConnectionEchoHandler handler) = await EchoMatrixWithNodeClientAsync(null, new { threshold = 0 });
        await using (node)
        {
            AssertNodeLine(node, "EXTENSIONS -");
            Assert.Empty(handler.Extensions);
            AssertNothingCompressed((await handler.Tap.WaitAsync(Timeout)).Messages, "the ws client");
            AssertNothingCompressed((await handler.SentTap.WaitAsync(Timeout)).Messages, "our server");
        }
    }

    // ------------------------------------------------------------------------------------------------------------------
    // Compressed messages in fragments, and empty compressed messages
    // ------------------------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Our_client_streams_a_compressed_message_in_fragments_around_a_ping_to_ws_and_reassembles_the_compressed_fragments_ws_splits_inside_characters()
    {
        (ChildProcess node, Uri uri) = await StartNodeServerAsync(DeflateFlag(new { threshold = 0 }));
        await using (node)
        {
            // Threshold 0: the empty message and the empty last fragment go out compressed as well.
            await using OurClient client = await OurClient.ConnectAsync(uri, new PerMessageDeflateOptions { CompressionThreshold = 0 }, tapSent: true);
            byte[] body = ConnectionInterop.Utf8(ConnectionInterop.FragmentedText);
            (int first, int second) = ConnectionInterop.FragmentSplits;

            await Within(client.Connection.SendAsync(ReadOnlyMemory<byte>.Empty, WebSocketMessageType.Text));
            (_, byte[] emptyEcho) = await ReceiveAsync(client.Connection);
            await Within(client.Connection.SendFragmentAsync(body.AsMemory(0, first), WebSocketMessageType.Text, endOfMessage: false));
            await Within(client.Connection.PingAsync(ConnectionInterop.Utf8("between fragments")));
            await Within(client.Connection.SendFragmentAsync(body.AsMemory(first, second - first), WebSocketMessageType.Text, endOfMessage: false));
            await Within(client.Connection.SendFragmentAsync(body.AsMemory(second), WebSocketMessageType.Text, endOfMessage: false));
            await Within(client.Connection.SendFragmentAsync(ReadOnlyMemory<byte>.Empty, WebSocketMessageType.Text, endOfMessage: true));
            (WebSocketMessageType type, byte[] echoed) = await ReceiveAsync(client.Connection);
            await Within(client.Connection.SendTextAsync(ConnectionInterop.FragmentCommand(ConnectionInterop.FragmentedText, first, second)));
            (WebSocketMessageType fragmentedType, byte[] fragmented) = await ReceiveAsync(client.Connection);
            await Within(client.Connection.CloseAsync(CloseStatus.NormalClosure, "done"));

            Assert.Empty(emptyEcho);
            Assert.Equal(WebSocketMessageType.Text, type);
            Assert.Equal(ConnectionInterop.FragmentedText, ConnectionInterop.FromUtf8(echoed));
            Assert.Equal(WebSocketMessageType.Text, fragmentedType);
            Assert.Equal(ConnectionInterop.FragmentedText, ConnectionInterop.FromUtf8(fragmented));
            AssertNodeLine(node, "EXTENSIONS permessage-deflate");
            await WaitForNodeLineAsync(node, "PING between fragments");
            await WaitForNodeLineAsync(node, MessageLine(WebSocketMessageType.Text, body));

            IReadOnlyList<TappedFrame> sent = await client.SentTap!.AllFramesAsync(Timeout);
            string sentFrames = string.Join(", ", sent);
            // Ours: the empty message as it is (compressed it would be a byte longer); then RSV1 on the first of four frames
            // only, the ping between uncompressed.
            Assert.True(sent[0] is { Opcode: Opcode.Text, IsFinal: true, Rsv1: false }, sentFrames);
            Assert.Equal(
                new[] { (Opcode.Text, false, true), (Opcode.Ping, true, false), (Opcode.Continuation, false, false), (Opcode.Continuation, false, false), (Opcode.Continuation, true, false) },
                sent.Skip(1).Take(5).Select(f => (f.Opcode, f.IsFinal, f.Rsv1)));
            // ws's: its three fragments of one compressed message, RSV1 on the first only.
            TappedMessage theirs = TappedMessage.From(await client.Tap.AllFramesAsync(Timeout))[^1];
            Assert.True(theirs is { Opcode: Opcode.Text, Compressed: true, FrameCount: 3, Rsv1OnContinuation: false }, theirs.ToString());
        }
    }

    [Fact]
    public async Task ClientWebSocket_and_our_server_exchange_compressed_messages_in_three_fragments_split_inside_characters_and_compressed_empty_messages()
    {
        var handler = new ConnectionEchoHandler(new PerMessageDeflateOptions { CompressionThreshold = 0 }, tapSent: true);
        await using LoopbackWebSocketServer server = LoopbackWebSocketServer.Start(handler.HandleAsync);
        byte[] body = ConnectionInterop.Utf8(ConnectionInterop.FragmentedText);
        (int first, int second) = ConnectionInterop.FragmentSplits;
        byte[] echoed, fragmented, emptyEcho;
        using (ClientWebSocket client = await ConnectClientWebSocketAsync(server, options => options.DangerousDeflateOptions = new WebSocketDeflateOptions()))
        {
            await Within(client.SendAsync(body.AsMemory(0, first), WebSocketMessageType.Text, endOfMessage: false, CancellationToken.None));
            await Within(client.SendAsync(body.AsMemory(first, second - first), WebSocketMessageType.Text, endOfMessage: false, CancellationToken.None));
            await Within(client.SendAsync(body.AsMemory(second), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None));
            (_, echoed, _) = await ReceiveWholeAsync(client);
            await SendTextAsync(client, ConnectionInterop.FragmentCommand(ConnectionInterop.FragmentedText, first, second));
            (_, fragmented, _) = await ReceiveWholeAsync(client);
            await Within(client.SendAsync(Array.Empty<byte>(), WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None));
            (_, emptyEcho, _) = await ReceiveWholeAsync(client);
            await Within(client.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None));
        }

        await server.WaitForNextHandlerAsync(Timeout);

        Assert.Equal(ConnectionInterop.FragmentedText, ConnectionInterop.FromUtf8(echoed));
        Assert.Equal(ConnectionInterop.FragmentedText, ConnectionInterop.FromUtf8(fragmented));
        Assert.Empty(emptyEcho);
        Assert.Equal(ConnectionInterop.FragmentedText, handler.Received[0].Text);
        IReadOnlyList<TappedMessage> fromPeer = (await handler.Tap.WaitAsync(Timeout)).Messages;
        IReadOnlyList<TappedMessage> fromUs = (await handler.SentTap.WaitAsync(Timeout)).Messages;
        // Each side's three-part message: one compressed message, RSV1 on its first frame only; then the empty ones, which
        // ClientWebSocket compresses and we send as they are (compressed, an empty message is a byte longer).
        Assert.True(fromPeer[0] is { Opcode: Opcode.Text, Compressed: true, FrameCount: 3, Rsv1OnContinuation: false }, string.Join(", ", fromPeer));
        Assert.True(fromUs[1] is { Opcode: Opcode.Text, Compressed: true, FrameCount: 3, Rsv1OnContinuation: false }, string.Join(", ", fromUs));
        Assert.True(fromPeer[^1] is { Opcode: Opcode.Binary, Compressed: true }, string.Join(", ", fromPeer));
        Assert.True(fromUs[^1] is { Opcode: Opcode.Binary, Compressed: false, WireLength: 0 }, string.Join(", ", fromUs));
    }

    // ------------------------------------------------------------------------------------------------------------------
    // Runs
    // ------------------------------------------------------------------------------------------------------------------

    private static void EnableCompression(WebSocketAcceptContext accept) => accept.DangerousEnableCompression = true;

    /// <summary>
    /// Our echo server (<paramref name="policy"/>, or no deflate factory when null) and a ClientWebSocket offering
    /// <paramref name="offer"/>: every matrix message goes out and must come back intact. Returns the server's handler, once
    /// the connection is closed, and the Sec-WebSocket-Extensions answer the client saw.
    /// </summary>
    private static async Task<(ConnectionEchoHandler Handler, string? Answer)> EchoMatrixWithClientWebSocketAsync(PerMessageDeflateOptions? policy, WebSocketDeflateOptions offer)
    {
        var handler = new ConnectionEchoHandler(policy, tapSent: true);
        await using LoopbackWebSocketServer server = LoopbackWebSocketServer.Start(handler.HandleAsync);
        string? answer;
        using (ClientWebSocket client = await ConnectClientWebSocketAsync(server, options =>
        {
            options.DangerousDeflateOptions = offer;
            options.CollectHttpResponseDetails = true;
        }))
        {
            answer = client.HttpResponseHeaders?.FirstOrDefault(h => h.Key.Equals("Sec-WebSocket-Extensions", StringComparison.OrdinalIgnoreCase)).Value is { } values
                ? string.Join(", ", values)
                : null;
            for (int i = 0; i < Matrix.Length; i++)
            {
                WebSocketMessageType type = Matrix[i].Type == WebSocketMessageType.Text ? WebSocketMessageType.Text : WebSocketMessageType.Binary;
                await Within(client.SendAsync(MatrixData[i], type, endOfMessage: true, CancellationToken.None));
                (WebSocketMessageType echoType, byte[] echoed, _) = await ReceiveWholeAsync(client);
                Assert.Equal(type, echoType);
                AssertSameBytes(MatrixData[i], echoed, $"ClientWebSocket's echo of message {i} ({Matrix[i]})");
            }

            await Within(client.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None));
            Assert.Equal(WebSocketState.Closed, client.State);
        }

        await server.WaitForNextHandlerAsync(Timeout);
        AssertOurServerReceived(handler, MatrixData);
        Assert.Equal(WebSocketState.Closed, handler.StateAfterClose);
        return (handler, answer);
    }

    /// <summary>
    /// Our client offering <paramref name="offer"/> to the echo server at <paramref name="uri"/>: every matrix message goes
    /// out and must come back intact; then our client closes with 1000. Returns what was agreed and both taps' messages.
    /// </summary>
    private static async Task<MatrixRun> EchoMatrixWithOurClientAsync(Uri uri, PerMessageDeflateOptions offer)
    {
        await using OurClient client = await OurClient.ConnectAsync(uri, offer, tapSent: true);
        for (int i = 0; i < Matrix.Length; i++)
        {
            await Within(client.Connection.SendAsync(MatrixData[i], Matrix[i].Type));
            (WebSocketMessageType type, byte[] echoed) = await ReceiveAsync(client.Connection);
            Assert.Equal(Matrix[i].Type, type);
            AssertSameBytes(MatrixData[i], echoed, $"the echo of message {i} ({Matrix[i]})");
        }

        await Within(client.Connection.CloseAsync(CloseStatus.NormalClosure, "done"));
        Assert.Equal(WebSocketState.Closed, client.Connection.State);
        return new MatrixRun(
            AgreedDeflate(client.Connection.Extensions),
            TappedMessage.From(await client.Tap.AllFramesAsync(Timeout)),
            TappedMessage.From(await client.SentTap!.AllFramesAsync(Timeout)));
    }

    /// <summary>
    /// node/connection-server.js with ws's perMessageDeflate <paramref name="wsOptions"/>, and our client offering
    /// <paramref name="offer"/>: checks the offer and answer ws printed, and that ws received every message intact.
    /// </summary>
    private static async Task<MatrixRun> EchoMatrixWithNodeServerAsync(object wsOptions, PerMessageDeflateOptions offer, string expectedOffer, string expectedAnswer)
    {
        (ChildProcess node, Uri uri) = await StartNodeServerAsync(DeflateFlag(wsOptions));
        await using (node)
        {
            MatrixRun run = await EchoMatrixWithOurClientAsync(uri, offer);
            // What ws received, in order, as it printed it (each line is read once, so the count is checked too).
            for (int i = 0; i < Matrix.Length; i++)
            {
                Assert.Equal(MessageLine(Matrix[i].Type, MatrixData[i]), "MESSAGE " + await node.WaitForLineAsync("MESSAGE ", Timeout));
            }

            AssertNodeLine(node, "OFFER " + expectedOffer);
            AssertNodeLine(node, "EXTENSIONS " + expectedAnswer);
            return run;
        }
    }

    /// <summary>
    /// node/connection-client.js (sequence scenario) with ws's perMessageDeflate <paramref name="wsOffer"/> against our echo
    /// server (<paramref name="policy"/>, or no deflate factory when null). ws checks every echo; here our server's copy of
    /// each message is checked against what ws printed for it (its hash; and the bytes, where both sides make the same).
    /// </summary>
    private static async Task<(ChildProcess Node, ConnectionEchoHandler Handler)> EchoMatrixWithNodeClientAsync(PerMessageDeflateOptions? policy, object wsOffer)
    {
        var handler = new ConnectionEchoHandler(policy, tapSent: true);
        (ChildProcess node, _) = await RunNodeClientAsync(handler, "sequence", Matrix.Select(m => m.ToString()).Prepend(DeflateFlag(wsOffer)).ToArray());
        try
        {
            Assert.True(node.Output.Count(l => l == "EQUAL true") == Matrix.Length, $"ws did not get every echo back intact. {node.Describe()}");
            IReadOnlyList<ConnectionMessage> received = handler.Received;
            Assert.Equal(Matrix.Length, received.Count);
            string[] echoes = node.Output.Where(l => l.StartsWith("MESSAGE ", StringComparison.Ordinal)).ToArray();
            Assert.Equal(Matrix.Length, echoes.Length);
            for (int i = 0; i < Matrix.Length; i++)
            {
                Assert.Equal(Matrix[i].Type, received[i].Type);
                Assert.Equal(MessageLine(received[i].Type, received[i].Data), echoes[i]);
                if (Matrix[i].Kind is not ("random" or "far"))
                {
                    AssertSameBytes(MatrixData[i], received[i].Data, $"our server's copy of message {i} ({Matrix[i]})");
                }
            }

            AssertNodeLine(node, "CLOSE 1000 ");
            Assert.Equal(WebSocketState.Closed, handler.StateAfterClose);
            return (node, handler);
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    // ------------------------------------------------------------------------------------------------------------------
    // Checks
    // ------------------------------------------------------------------------------------------------------------------

    private static PerMessageDeflateExtension AgreedDeflate(IReadOnlyList<WebSocketExtension> extensions) =>
        Assert.IsType<PerMessageDeflateExtension>(Assert.Single(extensions));

    private static (bool ServerNoContextTakeover, bool ClientNoContextTakeover, int ServerMaxWindowBits, int ClientMaxWindowBits) Parameters(PerMessageDeflateExtension agreed) =>
        (agreed.ServerNoContextTakeover, agreed.ClientNoContextTakeover, agreed.ServerMaxWindowBits, agreed.ClientMaxWindowBits);

    /// <summary>Our server's side of the wire: what the peer (a client) sent, and what our server sent.</summary>
    private static async Task AssertServerSideWireAsync(ConnectionEchoHandler handler, PerMessageDeflateExtension agreed)
    {
        FrameTap fromPeer = await handler.Tap.WaitAsync(Timeout);
        FrameTap fromUs = await handler.SentTap.WaitAsync(Timeout);
        AssertCompressedAsAgreed(fromPeer.Messages, Sender.Peer("the client", !agreed.ClientNoContextTakeover, agreed.ClientMaxWindowBits));
        AssertCompressedAsAgreed(fromUs.Messages, Sender.Us("our server", !agreed.ServerNoContextTakeover, agreed.ServerMaxWindowBits));
    }

    /// <summary>Our client's side of the wire: what the peer (a server) sent, and what our client sent.</summary>
    private static void AssertClientSideWire(MatrixRun run)
    {
        AssertCompressedAsAgreed(run.FromPeer, Sender.Peer("the server", !run.Agreed.ServerNoContextTakeover, run.Agreed.ServerMaxWindowBits));
        AssertCompressedAsAgreed(run.FromUs, Sender.Us("our client", !run.Agreed.ClientNoContextTakeover, run.Agreed.ClientMaxWindowBits));
    }

    /// <summary>
    /// The matrix as <paramref name="sender"/> put it on the wire: the messages in order with their opcodes; RSV1 on the
    /// first frame of every message from <see cref="Sender.CompressedFrom"/> bytes on (and, for our side, on no shorter
    /// one) and on no continuation frame (RFC 7692 section 6.1); the JSON at least halved; the repeated 200 bytes shrunk
    /// to a back-reference with context takeover and exactly as long as the first without; the repeat 4 KiB back found with
    /// a 15-bit window and, under a window of 11 bits or less, not.
    /// </summary>
    private static void AssertCompressedAsAgreed(IReadOnlyList<TappedMessage> wire, Sender sender)
    {
        string seen = $"{sender.Name} sent [{string.Join(", ", wire)}]";
        Assert.True(wire.Count == Matrix.Length, $"Expected {Matrix.Length} messages: {seen}");
        for (int i = 0; i < Matrix.Length; i++)
        {
            MatrixMessage expected = Matrix[i];
            TappedMessage message = wire[i];
            Assert.True(message.Opcode == (expected.Type == WebSocketMessageType.Text ? Opcode.Text : Opcode.Binary), $"Message {i} ({expected}) has the wrong opcode: {seen}");
            Assert.False(message.Rsv1OnContinuation, $"Message {i} ({expected}) has RSV1 on a continuation frame: {seen}");
            if (expected.Length >= sender.CompressedFrom && sender.IsUs)
            {
                // RFC 7692 section 6: compression is per message. We send a message DEFLATE cannot shrink (random bytes) as
                // it is, with or without context takeover, and compress one it can, always to fewer bytes.
                bool incompressible = expected.Kind is "binary" or "random" || (expected.Kind == "far" && sender.WindowBits <= 11);
                Assert.True(message.Compressed != incompressible, $"Message {i} ({expected}) should go {(incompressible ? "uncompressed" : "compressed")}: {seen}");
                Assert.True(!message.Compressed || message.WireLength < expected.Length, $"Message {i} ({expected}) grew when compressed: {seen}");
            }
            else if (expected.Length >= sender.CompressedFrom)
            {
                Assert.True(message.Compressed, $"Message {i} ({expected}) went uncompressed: {seen}");
            }
            else if (sender.IsUs)
            {
                Assert.False(message.Compressed, $"Message {i} ({expected}) is under our threshold of {OurThreshold} bytes but was compressed: {seen}");
            }

            if (expected.Kind == "json")
            {
                Assert.True(message.WireLength < expected.Length / 2, $"Message {i} ({expected}) was not even halved: {seen}");
            }
        }

        long first = wire[RepeatFirst].WireLength;
        long second = wire[RepeatSecond].WireLength;
        if (sender.ContextTakeover && sender.IsUs)
        {
            // The first copy went uncompressed (random bytes do not shrink), so our compressor forgot it, as the peer never
            // took it into its window: the repeat cannot refer back to it and goes as it is too.
            Assert.True(first == second && !wire[RepeatSecond].Compressed, $"Our repeat of a message sent uncompressed should go uncompressed too ({first} B, then {second} B): {seen}");
        }
        else if (sender.ContextTakeover)
        {
            Assert.True(second < first / 2, $"With context takeover the repeated message should shrink to a back-reference ({first} B, then {second} B): {seen}");
        }
        else
        {
            Assert.True(first == second, $"Without context takeover the repeated message should compress the same ({first} B, then {second} B): {seen}");
        }

        long far = wire[FarRepeat].WireLength;
        if (sender.WindowBits <= 11)
        {
            Assert.True(far > 7 * 1024, $"A {sender.WindowBits}-bit window cannot reach 4 KiB back, yet the repeat was found ({far} B): {seen}");
        }
        else if (sender.WindowBits == PerMessageDeflateOptions.MaxWindowBits)
        {
            Assert.True(far < 5 * 1024, $"A 15-bit window reaches 4 KiB back, yet the repeat was not found ({far} B): {seen}");
        }
    }

    private static void AssertNothingCompressed(IReadOnlyList<TappedMessage> wire, string sender)
    {
        string seen = $"{sender} sent [{string.Join(", ", wire)}]";
        Assert.True(wire.Count == Matrix.Length, $"Expected {Matrix.Length} messages: {seen}");
        Assert.True(wire.All(m => !m.Compressed), $"Nothing may be compressed without the extension: {seen}");
        Assert.Equal(Matrix.Select(m => (long)m.Length), wire.Select(m => m.WireLength));
    }

    private static void AssertOurServerReceived(ConnectionEchoHandler handler, byte[][] expected)
    {
        IReadOnlyList<ConnectionMessage> received = handler.Received;
        Assert.Equal(expected.Length, received.Count);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(Matrix[i].Type, received[i].Type);
            AssertSameBytes(expected[i], received[i].Data, $"our server's copy of message {i} ({Matrix[i]})");
        }
    }

    private static void AssertKestrelReceivedTheMatrix(KestrelPeerSession session)
    {
        Assert.Equal(Matrix.Length, session.Messages.Count);
        for (int i = 0; i < Matrix.Length; i++)
        {
            Assert.Equal(Matrix[i].Type == WebSocketMessageType.Text ? WebSocketMessageType.Text : WebSocketMessageType.Binary, session.Messages[i].Type);
            AssertSameBytes(MatrixData[i], session.Messages[i].Data, $"Kestrel's copy of message {i} ({Matrix[i]})");
        }

        Assert.Equal(WebSocketCloseStatus.NormalClosure, session.CloseStatus);
    }

    private static void AssertSameBytes(byte[] expected, byte[] actual, string what) =>
        Assert.True(
            expected.AsSpan().SequenceEqual(actual),
            $"{what} differs: {actual.Length} bytes (SHA-256 {ConnectionInterop.Sha256Hex(actual)}) where {expected.Length} were sent (SHA-256 {ConnectionInterop.Sha256Hex(expected)}).");

    /// <summary>The line the Node scripts print for a message they received.</summary>
    private static string MessageLine(WebSocketMessageType type, byte[] data) =>
        string.Create(CultureInfo.InvariantCulture, $"MESSAGE {(type == WebSocketMessageType.Text ? "text" : "binary")} {data.Length} {ConnectionInterop.Sha256Hex(data)}");

    private static string DeflateFlag(object wsOptions) => "--permessage-deflate=" + JsonSerializer.Serialize(wsOptions);

    /// <summary>One message of the matrix: its kind (as node/connection-client.js's sequence scenario names it) and length.</summary>
    private sealed record MatrixMessage(string Kind, int Length)
    {
        public WebSocketMessageType Type => Kind is "text" or "json" ? WebSocketMessageType.Text : WebSocketMessageType.Binary;

        public byte[] Create(int seed) => Kind switch
        {
            "text" => ConnectionInterop.Utf8(ConnectionInterop.LargeText(Length)),
            "binary" => InteropFrames.Pattern(Length),
            "json" => ConnectionInterop.Utf8(ConnectionInterop.JsonText(Length)),
            "random" => ConnectionInterop.RandomBytes(Length, seed),
            "far" => Twice(ConnectionInterop.RandomBytes(Length / 2, seed)),
            _ => throw new InvalidOperationException("Unknown kind " + Kind),
        };

        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Kind}:{Length}");

        private static byte[] Twice(byte[] block) => block.Concat(block).ToArray();
    }

    /// <summary>What one side's sending must show on the wire.</summary>
    /// <param name="Name">Who sent, for messages.</param>
    /// <param name="IsUs">Whether it is our side, which compresses exactly the messages of at least our threshold.</param>
    /// <param name="CompressedFrom">Messages at least this long must be compressed.</param>
    /// <param name="ContextTakeover">Whether the agreement lets this side take over context (the peers here all do when let).</param>
    /// <param name="WindowBits">The window the agreement allows this side.</param>
    private sealed record Sender(string Name, bool IsUs, int CompressedFrom, bool ContextTakeover, int WindowBits)
    {
        public static Sender Us(string name, bool contextTakeover, int windowBits) => new(name, true, OurThreshold, contextTakeover, windowBits);

        /// <summary>A peer: ClientWebSocket and Kestrel compress every message, and ws does with threshold 0.</summary>
        public static Sender Peer(string name, bool contextTakeover, int windowBits) => new(name, false, 1, contextTakeover, windowBits);
    }

    /// <summary>What our client agreed, and the data messages each side put on the wire.</summary>
    private sealed record MatrixRun(PerMessageDeflateExtension Agreed, IReadOnlyList<TappedMessage> FromPeer, IReadOnlyList<TappedMessage> FromUs);
}
