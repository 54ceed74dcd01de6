using System;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

namespace ChatServer.Connections;

/// <summary>
/// One listening socket's accept loop: a connection past the cap is closed at once (a reset, so it holds nothing, not
/// even a TIME-WAIT entry). An accept that fails for want of descriptors (or buffers or memory) gives the runtime the
/// <see cref="DescriptorReserve"/>, lowers the cap to the connections held less that reserve, and is retried after a
/// pause (<see cref="AcceptBackoff"/>); the connections already held go on being served all along, and
/// the reserve is taken again before the next connection is.
/// </summary>
internal sealed class CappedSocketListener : IConnectionListener
{
    private readonly Socket _socket;
    private readonly bool _noDelay;
    private readonly SocketConnectionContextFactory _connections;
    private readonly ConnectionCap _cap;
    private readonly DescriptorReserve _reserve;
    private readonly int _reserveSize;

    public CappedSocketListener(Socket boundSocket, int backlog, bool noDelay, SocketConnectionContextFactory connections, ConnectionCap cap, DescriptorReserve reserve, int reserveSize)
    {
        _socket = boundSocket;
        _noDelay = noDelay;
        _connections = connections;
        _cap = cap;
        _reserve = reserve;
        _reserveSize = reserveSize;
        _socket.Listen(backlog);
        EndPoint = _socket.LocalEndPoint!;
    }

    /// <inheritdoc/>
    public EndPoint EndPoint { get; }

    /// <inheritdoc/>
    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        var backoff = default(AcceptBackoff);
        var since = Stopwatch.StartNew();
        while (true)
        {
            Socket accepted;
            try
            {
                accepted = await _socket.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                return null;
            }
            catch (SocketException exception) when (exception.SocketErrorCode == SocketError.OperationAborted)
            {
                return null;
            }
            catch (SocketException exception) when (IsOutOfResources(exception.SocketErrorCode))
            {
                // EMFILE and ENFILE (TooManyOpenSockets), ENOBUFS and ENOMEM (NoBufferSpaceAvailable): the connection
                // stays queued, so retrying at once would fail at once, and go on failing on a core of its own.
                if (backoff.Failures == 0)
                {
                    since.Restart();
                    _reserve.Release();
                    int held = _cap.Open;
                    int lowered = _cap.LowerToOpen(_reserveSize);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Accept failed ({exception.SocketErrorCode}: {exception.Message}) with {held} connections held; the connection cap is now {lowered}, and accepts back off"));
                }

                await Task.Delay(backoff.Fail(), cancellationToken).ConfigureAwait(false);
                continue;
            }
            catch (SocketException)
            {
                // The peer reset the connection while it waited in the backlog: take the next one.
                continue;
            }

            if (backoff.Failures > 0)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Accepting again after {backoff.Failures} failed accept(s) in {since.Elapsed.TotalSeconds:0.0} s"));
                backoff.Reset();
            }

            // The runtime's room comes first: no new connection until the reserve is held again.
            if (!_cap.TryEnter())
            {
                Refuse(accepted);
                continue;
            }

            if (_reserve.Held < _reserveSize && !_reserve.TryTake())
            {
                _cap.Leave();
                Refuse(accepted);
                continue;
            }

            try
            {
                if (accepted.LocalEndPoint is IPEndPoint)
                {
                    accepted.NoDelay = _noDelay;
                }

                return new CountedConnection(_connections.Create(accepted), _cap);
            }
            catch
            {
                _cap.Leave();
                accepted.Dispose();
                throw;
            }
        }
    }

    /// <inheritdoc/>
    public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        _socket.Dispose();
        return default;
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return default;
    }

    internal static bool IsOutOfResources(SocketError error) =>
        error is SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable;

    private static void Refuse(Socket socket)
    {
        try
        {
            // A reset: the peer learns at once, and the socket's memory goes at once, with no TIME-WAIT left behind.
            socket.LingerState = new LingerOption(enable: true, seconds: 0);
        }
        catch (SocketException)
        {
            // Reset by the peer already.
        }

        socket.Dispose();
    }
}
