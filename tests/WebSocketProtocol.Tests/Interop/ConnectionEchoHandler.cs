using System.Net.WebSockets;
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Connection;
using WebSocketProtocol.Extensions;
using WebSocketProtocol.Extensions.Deflate;
using WebSocketProtocol.Framing;
using WebSocketProtocol.Handshake;

namespace WebSocketProtocol.Tests.Interop;

/// <summary>
/// Payloads and the little text-command protocol shared by the connection-level interop tests and their peers
/// (<see cref="ConnectionEchoHandler"/>, <see cref="KestrelConnectionPeer"/>, node/connection-server.js and
/// node/connection-client.js). A text message starting with <c>!</c> is a command; anything else is echoed with its type:
/// <list type="bullet">
/// <item><c>!fragment:&lt;a&gt;:&lt;b&gt;:&lt;text&gt;</c>: send the UTF-8 bytes of text as one text message in three frames, split at byte offsets a and b.</item>
/// <item><c>!ping:&lt;payload&gt;</c>: ping with that payload and, once the pong is back, send the text <c>pong:&lt;payload&gt;</c>.</item>
/// <item><c>!close:&lt;code&gt;:&lt;reason&gt;</c>: start the closing handshake with that code and reason.</item>
/// </list>
/// </summary>
internal static class ConnectionInterop
{
    /// <summary>Every network wait of these tests is bounded by this.</summary>
    public static readonly TimeSpan Timeout = InteropFrames.Timeout;

    /// <summary>The limit our side's connections are given, so 1 MiB messages pass with room to spare.</summary>
    public const long MaxMessageSize = 4 * 1024 * 1024;

    public const int OneMiB = 1024 * 1024;

    /// <summary>A text whose three fragments (see <see cref="FragmentSplits"/>) each end inside a multi-byte character.</summary>
    public const string FragmentedText = "three frames: café, größe: 5 €, done";

    /// <summary>The repeated unit of <see cref="LargeText"/>: 1-, 2-, 3- and 4-byte UTF-8 sequences (node/connection-client.js uses the same).</summary>
    public const string LargeTextUnit = "Grüße, 世界! € 𝄞 ";

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    /// <summary>Byte offsets inside 'é' (after its first byte) and inside '€' (after its second), so fragments split characters.</summary>
    public static (int First, int Second) FragmentSplits =>
        (ByteOffsetOf(FragmentedText, 'é') + 1, ByteOffsetOf(FragmentedText, '€') + 2);

    public static string FragmentCommand(string text, int first, int second) =>
        string.Create(CultureInfo.InvariantCulture, $"!fragment:{first}:{second}:{text}");

    public static string CloseCommand(int code, string reason) =>
        string.Create(CultureInfo.InvariantCulture, $"!close:{code}:{reason}");

    /// <summary>Exactly <paramref name="byteCount"/> UTF-8 bytes: <see cref="LargeTextUnit"/> repeated, padded with 'x'.</summary>
    public static string LargeText(int byteCount)
    {
        int unitBytes = StrictUtf8.GetByteCount(LargeTextUnit);
        int units = byteCount / unitBytes;
        var builder = new StringBuilder(byteCount);
        for (int i = 0; i < units; i++)
        {
            builder.Append(LargeTextUnit);
        }

        builder.Append('x', byteCount - (units * unitBytes));
        return builder.ToString();
    }

    /// <summary>
    /// Exactly <paramref name="byteCount"/> (at least 2) UTF-8 bytes of JSON-like text, as an API would send, which DEFLATE
    /// shrinks well: an array of similar records padded with spaces before its closing bracket (node/interop-options.js
    /// makes the same).
    /// </summary>
    public static string JsonText(int byteCount)
    {
        var builder = new StringBuilder(byteCount);
        builder.Append('[');
        int length = 1;
        for (int i = 0; ; i++)
        {
            string record = string.Create(
                CultureInfo.InvariantCulture,
                $"{{\"id\":{i},\"user\":\"user-{i}\",\"email\":\"user-{i}@example.com\",\"active\":{(i % 3 == 0 ? "true" : "false")},\"score\":{i * 7919 % 1000},\"tags\":[\"alpha\",\"beta\",\"gamma\"],\"city\":\"Zürich\"}},");
            int recordLength = StrictUtf8.GetByteCount(record);
            if (length + recordLength + 1 > byteCount)
            {
                break;
            }

            builder.Append(record);
            length += recordLength;
        }

        builder.Append(' ', byteCount - length - 1).Append(']');
        return builder.ToString();
    }

    /// <summary><paramref name="length"/> bytes from a seeded generator: the same each run, and incompressible.</summary>
    public static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static byte[] Utf8(string text) => StrictUtf8.GetBytes(text);

    public static string FromUtf8(ReadOnlySpan<byte> bytes) => StrictUtf8.GetString(bytes);

    public static string Sha256Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public static WebSocketConnectionOptions ServerOptions() => new(WebSocketRole.Server) { MaxMessageSize = MaxMessageSize };

    public static WebSocketConnectionOptions ClientOptions()
    {
        WebSocketConnectionOptions options = WebSocketConnectionOptions.ForClient();
        options.MaxMessageSize = MaxMessageSize;
        return options;
    }

    /// <summary>Splits <c>!name:rest</c> into the command's name and the rest.</summary>
    public static (string Name, string Remainder) ParseCommand(string text)
    {
        string[] parts = text.Substring(1).Split(':', 2);
        return (parts[0], parts.Length > 1 ? parts[1] : string.Empty);
    }

    private static int ByteOffsetOf(string text, char character) =>
        StrictUtf8.GetByteCount(text.AsSpan(0, text.IndexOf(character, StringComparison.Ordinal)));
}

/// <summary>A message our server received, copied out of the connection's buffer.</summary>
internal sealed record ConnectionMessage(WebSocketMessageType Type, byte[] Data)
{
    public string Text => ConnectionInterop.FromUtf8(Data);
}

/// <summary>
/// The server side of the ClientWebSocket and Node-client pairings, for <see cref="LoopbackWebSocketServer"/>: the
/// handshake by <see cref="HandshakeNegotiator.AcceptAsync"/> (any origin), then a <see cref="WebSocketConnection"/> in the
/// server role (default keepalive, 4 MiB message limit) reading through a <see cref="FrameTap"/>. It echoes every message
/// with its type, runs the commands of <see cref="ConnectionInterop"/>, and answers the peer's close with its own
/// <see cref="WebSocketConnection.CloseAsync"/>. What it saw is recorded for the test; a failure ends the handler and
/// reaches the test through <see cref="LoopbackWebSocketServer.WaitForNextHandlerAsync"/>. Optionally it agrees to
/// permessage-deflate (<see cref="PerMessageDeflateServerFactory"/>) and taps the frames it sends as well.
/// </summary>
/// <remarks>Records one connection: give each server its own instance.</remarks>
internal sealed class ConnectionEchoHandler
{
    private static readonly TimeSpan Timeout = ConnectionInterop.Timeout;

    private readonly PerMessageDeflateOptions? _deflate;
    private readonly bool _tapSent;
    private readonly TaskCompletionSource<FrameTap> _tap = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<FrameTap> _sentTap = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<ConnectionMessage> _received = new();

    /// <summary>An echo server; with <paramref name="deflate"/> it agrees to permessage-deflate under that policy.</summary>
    /// <param name="deflate">The server's permessage-deflate policy, or <see langword="null"/> for no extension at all.</param>
    /// <param name="tapSent">Whether to tap the frames our server sends too (<see cref="SentTap"/>).</param>
    public ConnectionEchoHandler(PerMessageDeflateOptions? deflate = null, bool tapSent = false)
    {
        _deflate = deflate;
        _tapSent = tapSent;
    }

    /// <summary>The tap on the peer's frames, once the handshake is done.</summary>
    public Task<FrameTap> Tap => _tap.Task;

    /// <summary>With <c>tapSent</c>: the tap on the frames our server sends, once the handshake is done.</summary>
    public Task<FrameTap> SentTap => _sentTap.Task;

    /// <summary>The extensions the connection applied (<see cref="WebSocketConnection.Extensions"/>), once the handshake is done.</summary>
    public IReadOnlyList<WebSocketExtension> Extensions { get; private set; } = Array.Empty<WebSocketExtension>();

    /// <summary>Every data message received, in order (commands included).</summary>
    public IReadOnlyList<ConnectionMessage> Received
    {
        get
        {
            lock (_received)
            {
                return _received.ToArray();
            }
        }
    }

    /// <summary>What <see cref="WebSocketConnection.ReceiveMessageAsync"/> returned for the peer's close, if it closed first.</summary>
    public (CloseStatus? Status, string? Reason)? PeerCloseMessage { get; private set; }

    /// <summary>The connection's <see cref="WebSocketConnection.PeerCloseStatus"/> and reason once it ended.</summary>
    public (CloseStatus? Status, string? Reason) PeerClose { get; private set; }

    /// <summary>Whether our side started the closing handshake (a <c>!close</c> command).</summary>
    public bool ClosedFirst { get; private set; }

    /// <summary>The connection's state right after our <see cref="WebSocketConnection.CloseAsync"/> returned.</summary>
    public WebSocketState? StateAfterClose { get; private set; }

    public async Task HandleAsync(LoopbackConnection transport, CancellationToken cancellationToken)
    {
        var serverOptions = new WebSocketServerOptions { OriginPolicy = OriginPolicy.Any };
        if (_deflate is not null)
        {
            serverOptions.Extensions.Add(new PerMessageDeflateServerFactory(_deflate));
        }

        ServerHandshakeResult handshake = await HandshakeNegotiator.AcceptAsync(transport.Input, transport.Output, serverOptions, cancellationToken)
            .AsTask().WaitAsync(Timeout, cancellationToken).ConfigureAwait(false);
        if (handshake.Outcome != HandshakeOutcome.Accepted)
        {
            var notAccepted = new InvalidOperationException($"The handshake was not accepted: {handshake.Outcome} {handshake.Error}.");
            _tap.TrySetException(notAccepted);
            _sentTap.TrySetException(notAccepted);
            throw notAccepted;
        }

        await using var tap = new FrameTap(transport.Input, WebSocketRole.Server);
        // Disposed after the connection (declared later), so the bytes it wrote last reach the transport first.
        await using FrameTap? sentTap = _tapSent ? FrameTap.OnOutput(transport.Output, WebSocketRole.Server) : null;
        using var connection = new WebSocketConnection(tap.Input, sentTap?.Output ?? transport.Output, ConnectionInterop.ServerOptions(), handshake);
        Extensions = connection.Extensions;
        _tap.TrySetResult(tap);
        if (sentTap is not null)
        {
            _sentTap.TrySetResult(sentTap);
        }

        var background = new List<Task>();
        try
        {
            await RunAsync(connection, tap, background, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            PeerClose = (connection.PeerCloseStatus, connection.PeerCloseReason);
        }

        // A command run in the background that failed is a failure of the handler too.
        await Task.WhenAll(background).WaitAsync(Timeout).ConfigureAwait(false);
    }

    private async Task RunAsync(WebSocketConnection connection, FrameTap tap, List<Task> background, CancellationToken cancellationToken)
    {
        while (true)
        {
            WebSocketMessage message = await connection.ReceiveMessageAsync(cancellationToken).AsTask().WaitAsync(Timeout, cancellationToken).ConfigureAwait(false);
            if (message.MessageType == WebSocketMessageType.Close)
            {
                PeerCloseMessage = (message.CloseStatus, message.CloseReason);
                await connection.CloseAsync(CloseStatus.NormalClosure, null, cancellationToken).WaitAsync(Timeout, cancellationToken).ConfigureAwait(false);
                StateAfterClose = connection.State;
                return;
            }

            byte[] data = message.Data.ToArray();
            lock (_received)
            {
                _received.Add(new ConnectionMessage(message.MessageType, data));
            }

            if (message.MessageType != WebSocketMessageType.Text || data.Length == 0 || data[0] != (byte)'!')
            {
                await connection.SendAsync(message.Data, message.MessageType, cancellationToken).AsTask().WaitAsync(Timeout, cancellationToken).ConfigureAwait(false);
                continue;
            }

            string text = ConnectionInterop.FromUtf8(data);
            (string name, string rest) = ConnectionInterop.ParseCommand(text);
            switch (name)
            {
                case "fragment":
                    await SendFragmentsAsync(connection, rest.Split(':', 3), cancellationToken).ConfigureAwait(false);
                    break;
                case "ping":
                    // In the background, so the receive loop keeps running: it is what absorbs the pong.
                    background.Add(Task.Run(() => PingAndReportAsync(connection, tap, rest, cancellationToken), cancellationToken));
                    break;
                case "close":
                    string[] arguments = rest.Split(':', 2);
                    ClosedFirst = true;
                    var status = (CloseStatus)ushort.Parse(arguments[0], CultureInfo.InvariantCulture);
                    await connection.CloseAsync(status, arguments[1], cancellationToken).WaitAsync(Timeout, cancellationToken).ConfigureAwait(false);
                    StateAfterClose = connection.State;
                    return;
                default:
                    throw new InvalidOperationException($"Unknown command '{text}'.");
            }
        }
    }

    private static async Task SendFragmentsAsync(WebSocketConnection connection, string[] arguments, CancellationToken cancellationToken)
    {
        int first = int.Parse(arguments[0], CultureInfo.InvariantCulture);
        int second = int.Parse(arguments[1], CultureInfo.InvariantCulture);
        byte[] body = ConnectionInterop.Utf8(arguments[2]);
        await connection.SendFragmentAsync(body.AsMemory(0, first), WebSocketMessageType.Text, endOfMessage: false, cancellationToken).AsTask().WaitAsync(Timeout, cancellationToken).ConfigureAwait(false);
        await connection.SendFragmentAsync(body.AsMemory(first, second - first), WebSocketMessageType.Text, endOfMessage: false, cancellationToken).AsTask().WaitAsync(Timeout, cancellationToken).ConfigureAwait(false);
        await connection.SendFragmentAsync(body.AsMemory(second), WebSocketMessageType.Text, endOfMessage: true, cancellationToken).AsTask().WaitAsync(Timeout, cancellationToken).ConfigureAwait(false);
    }

    private static async Task PingAndReportAsync(WebSocketConnection connection, FrameTap tap, string payload, CancellationToken cancellationToken)
    {
        await connection.PingAsync(ConnectionInterop.Utf8(payload), cancellationToken).AsTask().WaitAsync(Timeout, cancellationToken).ConfigureAwait(false);
        await tap.WaitForFrameAsync(f => f.Opcode == Opcode.Pong && f.ControlText == payload, Timeout, $"the peer's pong '{payload}'").ConfigureAwait(false);
        await connection.SendTextAsync("pong:" + payload, cancellationToken).AsTask().WaitAsync(Timeout, cancellationToken).ConfigureAwait(false);
    }
}
