using System;
using System.IO;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Connection;

namespace WebSocketProtocol.Tests.Adapter;

/// <summary>
/// A WebSocket under test on one end of a loopback TCP connection, and on the other end a ManagedWebSocket peer of the
/// opposite role, or the raw stream for a test that writes bytes no WebSocket would.
/// </summary>
internal sealed class WebSocketTestPair : IDisposable
{
    private readonly LoopbackSocketPair _sockets;
    private readonly bool _underTestIsServer;
    private WebSocket? _peer;

    private WebSocketTestPair(LoopbackSocketPair sockets, WebSocket underTest, bool underTestIsServer)
    {
        _sockets = sockets;
        UnderTest = underTest;
        _underTestIsServer = underTestIsServer;
    }

    /// <summary>The WebSocket whose behaviour the test checks.</summary>
    public WebSocket UnderTest { get; }

    /// <summary>The peer: a ManagedWebSocket on the other end, created on first use.</summary>
    public WebSocket Peer => _peer ??= Create(WebSocketImplementation.Managed, PeerStream, !_underTestIsServer, null);

    /// <summary>The peer's end of the connection, for raw bytes; not to be mixed with <see cref="Peer"/>.</summary>
    public NetworkStream PeerStream => _underTestIsServer ? _sockets.Client : _sockets.Server;

    /// <summary>Whether the peer is the client, so its raw frames must be masked.</summary>
    public bool PeerIsClient => _underTestIsServer;

    public static async Task<WebSocketTestPair> ConnectAsync(WebSocketImplementation implementation, bool underTestIsServer, string? subprotocol = null, long maxMessageSize = 0)
    {
        LoopbackSocketPair sockets = await LoopbackSocketPair.ConnectAsync();
        Stream stream = underTestIsServer ? sockets.Server : sockets.Client;
        return new WebSocketTestPair(sockets, Create(implementation, stream, underTestIsServer, subprotocol, maxMessageSize), underTestIsServer);
    }

    /// <summary>A WebSocket over a stream whose opening handshake is taken as done, owning the stream.</summary>
    public static WebSocket Create(WebSocketImplementation implementation, Stream stream, bool isServer, string? subprotocol, long maxMessageSize = 0)
    {
        if (implementation == WebSocketImplementation.Managed)
        {
            // No keep-alive frames: each test decides every frame that goes out.
            return WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = isServer, SubProtocol = subprotocol, KeepAliveInterval = TimeSpan.Zero });
        }

        var options = new WebSocketConnectionOptions(isServer ? WebSocketRole.Server : WebSocketRole.Client) { KeepAliveInterval = Timeout.InfiniteTimeSpan };
        if (maxMessageSize > 0)
        {
            options.MaxMessageSize = maxMessageSize;
        }

        var connection = new WebSocketConnection(PipeReader.Create(stream), PipeWriter.Create(stream), options, subprotocol);
        return new WebSocketConnectionAdapter(connection);
    }

    public void Dispose()
    {
        UnderTest.Dispose();
        _peer?.Dispose();
        _sockets.Dispose();
    }
}
