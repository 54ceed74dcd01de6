using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;

namespace WebSocketProtocol.Tests.Interop;

/// <summary>One TCP connection accepted by <see cref="LoopbackWebSocketServer"/>, seen as a pair of pipes.</summary>
/// <remarks>The server disposes it when the connection's handler ends; a handler never has to.</remarks>
internal sealed class LoopbackConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private int _disposed;

    public LoopbackConnection(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
        Input = PipeReader.Create(_stream, new StreamPipeReaderOptions(leaveOpen: true));
        Output = PipeWriter.Create(_stream, new StreamPipeWriterOptions(leaveOpen: true));
    }

    /// <summary>Bytes from the peer: the handshake request, then frames.</summary>
    public PipeReader Input { get; }

    /// <summary>Bytes to the peer.</summary>
    public PipeWriter Output { get; }

    /// <summary>The peer's address and port.</summary>
    public EndPoint? RemoteEndPoint => _socket.RemoteEndPoint;

    /// <summary>Cuts the connection at once so a handler stuck in a read wakes up with an error. Safe from any thread.</summary>
    public void Abort() => _socket.Dispose();

    /// <summary>Flushes what the handler left unflushed, sends FIN, completes both pipes and closes the socket.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // The pipes may already be completed (a rejected handshake completes them) or the peer gone: none of that matters here.
        try
        {
            await Output.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or ObjectDisposedException or InvalidOperationException)
        {
        }

        try
        {
            // FIN rather than a bare close, so bytes just written are not overtaken by a reset.
            _socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
        {
        }

        try
        {
            await Input.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or ObjectDisposedException or InvalidOperationException)
        {
        }

        await _stream.DisposeAsync().ConfigureAwait(false);
        _socket.Dispose();
    }
}

/// <summary>
/// A TCP server on 127.0.0.1 (a port the OS picks) that runs a handler for every connection it accepts, for interop tests
/// whose server side is this library. The handler gets the raw pipes and runs the handshake itself, so it can check a
/// rejection as well as an acceptance.
/// </summary>
/// <remarks>
/// Each accepted connection is disposed when its handler ends. <see cref="DisposeAsync"/> stops accepting, cancels the
/// token the handlers were given, waits a little for them, cuts the connections of any still running, and waits again,
/// so nothing outlives the test. A handler's failure reaches the test through <see cref="WaitForNextHandlerAsync"/>.
/// </remarks>
internal sealed class LoopbackWebSocketServer : IAsyncDisposable
{
    private static readonly TimeSpan HandlerGracePeriod = TimeSpan.FromSeconds(5);

    private readonly TcpListener _listener;
    private readonly Func<LoopbackConnection, CancellationToken, Task> _handler;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Channel<Task> _accepted = Channel.CreateUnbounded<Task>();
    private readonly List<(LoopbackConnection Connection, Task Handler)> _connections = new();
    private readonly Task _acceptLoop;
    private int _disposed;

    private LoopbackWebSocketServer(Func<LoopbackConnection, CancellationToken, Task> handler)
    {
        _handler = handler;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>The port the server listens on, on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>How many connections have been accepted so far.</summary>
    public int AcceptedCount
    {
        get
        {
            lock (_connections)
            {
                return _connections.Count;
            }
        }
    }

    /// <summary>Starts listening; <paramref name="handler"/> runs once per accepted connection, with a token cancelled on dispose.</summary>
    public static LoopbackWebSocketServer Start(Func<LoopbackConnection, CancellationToken, Task> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return new LoopbackWebSocketServer(handler);
    }

    /// <summary>The <c>ws://127.0.0.1:port</c> URI of <paramref name="pathAndQuery"/> on this server.</summary>
    public Uri GetUri(string pathAndQuery = "/") =>
        new("ws://127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture) + pathAndQuery);

    /// <summary>
    /// Waits for the next connection, in order of acceptance, to be accepted and for its handler to end; rethrows the
    /// handler's exception. Throws <see cref="TimeoutException"/> when that takes longer than <paramref name="timeout"/>.
    /// </summary>
    public async Task WaitForNextHandlerAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        Task handler;
        try
        {
            handler = await _accepted.Reader.ReadAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new TimeoutException($"No connection was accepted within {timeout}.");
        }
        catch (ChannelClosedException)
        {
            throw new InvalidOperationException("The server stopped before another connection was accepted.");
        }

        await handler.WaitAsync(timeout).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        await WaitQuietlyAsync(_acceptLoop).ConfigureAwait(false);

        (LoopbackConnection Connection, Task Handler)[] connections;
        lock (_connections)
        {
            connections = _connections.ToArray();
        }

        Task all = Task.WhenAll(Array.ConvertAll(connections, c => c.Handler));
        if (!await WaitQuietlyAsync(all).ConfigureAwait(false))
        {
            foreach ((LoopbackConnection connection, Task handler) in connections)
            {
                if (!handler.IsCompleted)
                {
                    connection.Abort();
                }
            }

            await WaitQuietlyAsync(all).ConfigureAwait(false);
        }

        _stopping.Dispose();
    }

    /// <summary>Waits for <paramref name="task"/> up to the grace period; a failure is for the test to observe, not for dispose to throw.</summary>
    private static async Task<bool> WaitQuietlyAsync(Task task)
    {
        try
        {
            await task.WaitAsync(HandlerGracePeriod).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return false;
        }
        catch (Exception)
        {
            // Handlers failing on a cancelled token or a cut connection during shutdown is expected.
        }

        return true;
    }

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (true)
            {
                Socket socket;
                try
                {
                    socket = await _listener.AcceptSocketAsync(_stopping.Token).ConfigureAwait(false);
                }
                catch (Exception exception) when (_stopping.IsCancellationRequested
                    && exception is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    return;
                }

                socket.NoDelay = true;
                var connection = new LoopbackConnection(socket);
                Task handler = Task.Run(() => RunHandlerAsync(connection));
                lock (_connections)
                {
                    _connections.Add((connection, handler));
                }

                _accepted.Writer.TryWrite(handler);
            }
        }
        finally
        {
            _accepted.Writer.TryComplete();
        }
    }

    private async Task RunHandlerAsync(LoopbackConnection connection)
    {
        try
        {
            await _handler(connection, _stopping.Token).ConfigureAwait(false);
        }
        finally
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
