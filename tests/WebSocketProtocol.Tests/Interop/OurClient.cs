using System;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Connection;
using WebSocketProtocol.Extensions.Deflate;
using WebSocketProtocol.Handshake;
using WebSocketProtocol.Transport;

namespace WebSocketProtocol.Tests.Interop;

/// <summary>
/// Our client for the connection-level interop tests: <see cref="WebSocketClient"/>'s transport, a <see cref="FrameTap"/>
/// on its input, and a <see cref="WebSocketConnection"/> (client role, 4 MiB message limit) over both, given the extensions
/// the handshake agreed. Optionally it offers permessage-deflate (<see cref="PerMessageDeflateClientFactory"/>) and taps
/// the frames it sends as well.
/// </summary>
internal sealed class OurClient : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = ConnectionInterop.Timeout;

    private readonly WebSocketClientConnection _transport;
    private int _disposed;

    private OurClient(WebSocketClientConnection transport, bool tapSent)
    {
        _transport = transport;
        Tap = new FrameTap(transport.Input, WebSocketRole.Client);
        SentTap = tapSent ? FrameTap.OnOutput(transport.Output, WebSocketRole.Client) : null;
        Connection = new WebSocketConnection(Tap.Input, SentTap?.Output ?? transport.Output, ConnectionInterop.ClientOptions(), transport.Handshake);
    }

    /// <summary>The frames the peer sent.</summary>
    public FrameTap Tap { get; }

    /// <summary>The frames our client sent, when it was asked to tap them.</summary>
    public FrameTap? SentTap { get; }

    public WebSocketConnection Connection { get; }

    /// <summary>Connects to <paramref name="uri"/>, offering permessage-deflate under <paramref name="deflate"/> when given.</summary>
    /// <param name="uri">The peer's <c>ws://127.0.0.1</c> endpoint.</param>
    /// <param name="deflate">What to offer, or <see langword="null"/> to offer no extension.</param>
    /// <param name="tapSent">Whether to tap the frames our client sends too (<see cref="SentTap"/>).</param>
    public static async Task<OurClient> ConnectAsync(Uri uri, PerMessageDeflateOptions? deflate = null, bool tapSent = false)
    {
        WebSocketClientOptions? options = null;
        if (deflate is not null)
        {
            options = new WebSocketClientOptions();
            options.Extensions.Add(new PerMessageDeflateClientFactory(deflate));
        }

        using var timeout = new CancellationTokenSource(Timeout);
        WebSocketClientConnection transport = await WebSocketClient.ConnectTransportAsync(uri, options, timeout.Token).WaitAsync(Timeout);
        return new OurClient(transport, tapSent);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Connection.Dispose();
        if (SentTap is not null)
        {
            // After the connection, which completed its output: what it wrote last still reaches the transport.
            await SentTap.DisposeAsync();
        }

        await Tap.DisposeAsync();
        _transport.Dispose();
    }
}
