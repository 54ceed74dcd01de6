using System;
using System.IO;
using System.Net.WebSockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace WebSocketProtocol.Tests.Adapter;

/// <summary>
/// What code written against <see cref="WebSocket"/> observes, checked the same way on .NET's ManagedWebSocket and on
/// this library's adapter, each as server and as client, against a ManagedWebSocket peer over loopback TCP. A subclass
/// per implementation and role runs every test; where the adapter deliberately differs, the test asserts both.
/// </summary>
public abstract partial class WebSocketContractTests
{
    /// <summary>Bounds every wait, so a broken implementation fails instead of hanging.</summary>
    protected static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    protected static readonly UTF8Encoding StrictUtf8 = new(false, true);

    protected WebSocketContractTests(WebSocketImplementation implementation, bool underTestIsServer)
    {
        Implementation = implementation;
        UnderTestIsServer = underTestIsServer;
    }

    protected WebSocketImplementation Implementation { get; }

    protected bool UnderTestIsServer { get; }

    protected bool IsAdapter => Implementation == WebSocketImplementation.Adapter;

    private protected Task<WebSocketTestPair> ConnectAsync(string? subprotocol = null, long maxMessageSize = 0) =>
        WebSocketTestPair.ConnectAsync(Implementation, UnderTestIsServer, subprotocol, maxMessageSize);

    [Fact]
    public async Task SubProtocol_is_the_one_it_was_created_with_and_null_without_one()
    {
        using WebSocketTestPair chat = await ConnectAsync("chat");
        using WebSocketTestPair none = await ConnectAsync();

        Assert.Equal("chat", chat.UnderTest.SubProtocol);
        Assert.Null(none.UnderTest.SubProtocol);
        Assert.Equal(WebSocketState.Open, chat.UnderTest.State);
        Assert.Null(chat.UnderTest.CloseStatus);
        Assert.Null(chat.UnderTest.CloseStatusDescription);
    }

    [Fact]
    public async Task Bad_arguments_throw_ArgumentException_and_leave_the_socket_Open()
    {
        using WebSocketTestPair pair = await ConnectAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        WebSocket socket = pair.UnderTest;
        string longReason = new('r', 124);

        await Assert.ThrowsAsync<ArgumentNullException>(() => socket.ReceiveAsync(default(ArraySegment<byte>), timeout.Token));
        await Assert.ThrowsAsync<ArgumentNullException>(() => socket.SendAsync(default(ArraySegment<byte>), WebSocketMessageType.Binary, true, timeout.Token));
        await Assert.ThrowsAsync<ArgumentException>(() => socket.SendAsync(new ArraySegment<byte>(new byte[1]), WebSocketMessageType.Close, true, timeout.Token));
        await Assert.ThrowsAsync<ArgumentException>(() => socket.SendAsync(new byte[1].AsMemory(), WebSocketMessageType.Close, true, timeout.Token).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => socket.CloseAsync((WebSocketCloseStatus)999, null, timeout.Token));
        await Assert.ThrowsAsync<ArgumentException>(() => socket.CloseAsync((WebSocketCloseStatus)1006, null, timeout.Token));
        await Assert.ThrowsAsync<ArgumentException>(() => socket.CloseOutputAsync((WebSocketCloseStatus)1015, null, timeout.Token));
        await Assert.ThrowsAsync<ArgumentException>(() => socket.CloseAsync(WebSocketCloseStatus.Empty, "a reason needs a status", timeout.Token));
        await Assert.ThrowsAsync<ArgumentException>(() => socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, longReason, timeout.Token));

        Assert.Equal(WebSocketState.Open, socket.State);
        await socket.SendAsync(Encoding.UTF8.GetBytes("still open").AsMemory(), WebSocketMessageType.Text, true, timeout.Token);
        (WebSocketMessageType type, byte[] data) = await ReceiveMessageAsync(pair.Peer, 64, timeout.Token);
        Assert.Equal(WebSocketMessageType.Text, type);
        Assert.Equal("still open", Encoding.UTF8.GetString(data));
    }

    /// <summary>Receives one whole data message through the Memory overload, checking every piece on the way.</summary>
    protected static async Task<(WebSocketMessageType Type, byte[] Data)> ReceiveMessageAsync(WebSocket socket, int bufferSize, CancellationToken cancellationToken)
    {
        var buffer = new byte[bufferSize];
        using var data = new MemoryStream();
        WebSocketMessageType? type = null;
        while (true)
        {
            ValueWebSocketReceiveResult result = await socket.ReceiveAsync(buffer.AsMemory(), cancellationToken);
            Assert.NotEqual(WebSocketMessageType.Close, result.MessageType);
            Assert.InRange(result.Count, 0, bufferSize);
            type ??= result.MessageType;
            Assert.Equal(type, result.MessageType);
            data.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return (type.Value, data.ToArray());
            }
        }
    }

    /// <summary>Receives one whole data message through the ArraySegment overload, checking every piece on the way.</summary>
    protected static async Task<(WebSocketMessageType Type, byte[] Data, int Pieces)> ReceiveSegmentsAsync(WebSocket socket, int bufferSize, CancellationToken cancellationToken)
    {
        var buffer = new byte[bufferSize + 2];
        using var data = new MemoryStream();
        WebSocketMessageType? type = null;
        int pieces = 0;
        while (true)
        {
            // An offset into the array, so an implementation that ignores it shows.
            WebSocketReceiveResult result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer, 1, bufferSize), cancellationToken);
            pieces++;
            Assert.NotEqual(WebSocketMessageType.Close, result.MessageType);
            Assert.InRange(result.Count, 0, bufferSize);
            Assert.Null(result.CloseStatus);
            Assert.Null(result.CloseStatusDescription);
            type ??= result.MessageType;
            Assert.Equal(type, result.MessageType);
            data.Write(buffer, 1, result.Count);
            if (result.EndOfMessage)
            {
                return (type.Value, data.ToArray(), pieces);
            }
        }
    }

    /// <summary>Exactly <paramref name="byteCount"/> bytes of text with 1- to 4-byte characters.</summary>
    protected static byte[] TextOfLength(int byteCount) => StrictUtf8.GetBytes(Interop.ConnectionInterop.LargeText(byteCount));

    protected static byte[] Pattern(int length) => Interop.InteropFrames.Pattern(length);
}
