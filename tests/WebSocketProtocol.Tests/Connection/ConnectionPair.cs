using System;
using System.Collections.Generic;
using System.IO.Pipelines;
using WebSocketProtocol.Connection;
using WebSocketProtocol.Extensions;
using WebSocketProtocol.Framing;

namespace WebSocketProtocol.Tests.Connection;

/// <summary>Two ends of an in-memory duplex transport: a connection under test and either another connection or a raw frame peer.</summary>
internal sealed class ConnectionPair : IDisposable
{
    public ConnectionPair(
        WebSocketConnectionOptions? serverOptions = null,
        WebSocketConnectionOptions? clientOptions = null,
        IReadOnlyList<WebSocketExtension>? serverExtensions = null,
        IReadOnlyList<WebSocketExtension>? clientExtensions = null)
    {
        // A private pool: allocation counts must not depend on other tests draining the shared one.
        var pool = new Support.PrivateMemoryPool();
        var toServer = new Pipe(new PipeOptions(pool: pool, useSynchronizationContext: false, pauseWriterThreshold: 1 << 22, resumeWriterThreshold: 1 << 21));
        var toClient = new Pipe(new PipeOptions(pool: pool, useSynchronizationContext: false, pauseWriterThreshold: 1 << 22, resumeWriterThreshold: 1 << 21));
        ToServer = toServer;
        ToClient = toClient;
        Server = new WebSocketConnection(toServer.Reader, toClient.Writer, serverOptions ?? Quiet(WebSocketRole.Server), extensions: serverExtensions);
        Client = new WebSocketConnection(toClient.Reader, toServer.Writer, clientOptions ?? Quiet(WebSocketRole.Client), extensions: clientExtensions);
    }

    public Pipe ToServer { get; }

    public Pipe ToClient { get; }

    public WebSocketConnection Server { get; }

    public WebSocketConnection Client { get; }

    /// <summary>Options without keepalive, so timers never interfere with a test that is not about them.</summary>
    public static WebSocketConnectionOptions Quiet(WebSocketRole role) =>
        new(role) { KeepAliveInterval = System.Threading.Timeout.InfiniteTimeSpan, CloseTimeout = TimeSpan.FromSeconds(10) };

    public void Dispose()
    {
        Server.Dispose();
        Client.Dispose();
    }
}

/// <summary>A connection under test facing a raw peer that writes and reads frames directly, to play any misbehaviour.</summary>
internal sealed class RawPeer : IDisposable
{
    private readonly Pipe _toUnderTest = new(new PipeOptions(useSynchronizationContext: false, pauseWriterThreshold: 0));
    private readonly Pipe _fromUnderTest;

    /// <param name="underTestOptions">The connection under test's options.</param>
    /// <param name="outputPauseThreshold">Unread bytes at which the connection's flushes wait for the peer; 0 never waits.</param>
    /// <param name="extensions">Extensions the connection under test applies; the peer's reader then admits their bits.</param>
    public RawPeer(WebSocketConnectionOptions underTestOptions, int outputPauseThreshold = 0, IReadOnlyList<WebSocketExtension>? extensions = null)
    {
        _fromUnderTest = new Pipe(new PipeOptions(useSynchronizationContext: false, pauseWriterThreshold: outputPauseThreshold, resumeWriterThreshold: Math.Max(outputPauseThreshold, 1)));
        WebSocketRole peerRole = underTestOptions.Role == WebSocketRole.Server ? WebSocketRole.Client : WebSocketRole.Server;
        UnderTest = new WebSocketConnection(_toUnderTest.Reader, _fromUnderTest.Writer, underTestOptions, extensions: extensions);
        Writer = new FrameWriter(_toUnderTest.Writer, peerRole);
        Reader = new FrameReader(_fromUnderTest.Reader, new FrameReaderOptions(peerRole) { MaxFramePayloadLength = 1 << 26, AllowedReservedBits = extensions is null ? ReservedBits.None : ReservedBits.All });
    }

    public WebSocketConnection UnderTest { get; }

    public FrameWriter Writer { get; }

    public FrameReader Reader { get; }

    public PipeWriter Output => _toUnderTest.Writer;

    public async System.Threading.Tasks.Task FlushAsync() => await _toUnderTest.Writer.FlushAsync();

    /// <summary>Whether the connection under test has written bytes the peer has not read; reads none of them.</summary>
    public bool HasUnreadOutput()
    {
        if (!_fromUnderTest.Reader.TryRead(out System.IO.Pipelines.ReadResult result))
        {
            return false;
        }

        bool any = !result.Buffer.IsEmpty;
        _fromUnderTest.Reader.AdvanceTo(result.Buffer.Start);
        return any;
    }

    /// <summary>Writes raw bytes, for frames no writer would produce.</summary>
    public async System.Threading.Tasks.Task SendRawAsync(byte[] bytes) => await _toUnderTest.Writer.WriteAsync(bytes);

    public void Dispose() => UnderTest.Dispose();
}
