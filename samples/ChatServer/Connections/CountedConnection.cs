using System.Collections.Generic;
using System.IO.Pipelines;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace ChatServer.Connections;

/// <summary>
/// A connection from <see cref="CappedSocketListener"/>: Kestrel's own, which it passes everything to, giving its place
/// under the <see cref="ConnectionCap"/> back as soon as its socket is closed (the transport disposes the socket, then
/// signals <see cref="ConnectionContext.ConnectionClosed"/>), or at the latest when Kestrel disposes it.
/// </summary>
internal sealed class CountedConnection : ConnectionContext
{
    private readonly ConnectionContext _inner;
    private readonly ConnectionCap _cap;
    private readonly CancellationTokenRegistration _closed;
    private int _left;

    public CountedConnection(ConnectionContext inner, ConnectionCap cap)
    {
        _inner = inner;
        _cap = cap;
        _closed = inner.ConnectionClosed.UnsafeRegister(static state => ((CountedConnection)state!).LeaveCap(), this);
    }

    public override string ConnectionId
    {
        get => _inner.ConnectionId;
        set => _inner.ConnectionId = value;
    }

    public override IFeatureCollection Features => _inner.Features;

    public override IDictionary<object, object?> Items
    {
        get => _inner.Items;
        set => _inner.Items = value;
    }

    public override IDuplexPipe Transport
    {
        get => _inner.Transport;
        set => _inner.Transport = value;
    }

    public override CancellationToken ConnectionClosed
    {
        get => _inner.ConnectionClosed;
        set => _inner.ConnectionClosed = value;
    }

    public override EndPoint? LocalEndPoint
    {
        get => _inner.LocalEndPoint;
        set => _inner.LocalEndPoint = value;
    }

    public override EndPoint? RemoteEndPoint
    {
        get => _inner.RemoteEndPoint;
        set => _inner.RemoteEndPoint = value;
    }

    public override void Abort(ConnectionAbortedException abortReason) => _inner.Abort(abortReason);

    public override void Abort() => _inner.Abort();

    public override async ValueTask DisposeAsync()
    {
        try
        {
            await _inner.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _closed.Dispose();
            LeaveCap();
        }
    }

    private void LeaveCap()
    {
        if (Interlocked.Exchange(ref _left, 1) == 0)
        {
            _cap.Leave();
        }
    }
}
