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
/// even a TIME-WAIT entry); an accept that fails for want of descriptors, buffers or memory is retried after a pause
/// that doubles up to <see cref="MaxBackoff"/>, while the connections already held go on being served.
/// </summary>
internal sealed class CappedSocketListener : IConnectionListener
{
    /// <summary>The first pause after an accept failed for want of resources.</summary>
    public static readonly TimeSpan MinBackoff = TimeSpan.FromMilliseconds(10);

    /// <summary>The longest pause: a freed descriptor is used within a second.</summary>
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(1);

    private readonly Socket _socket;
    private readonly bool _noDelay;
    private readonly SocketConnectionContextFactory _connections;
    private readonly ConnectionCap _cap;

    public CappedSocketListener(Socket boundSocket, int backlog, bool noDelay, SocketConnectionContextFactory connections, ConnectionCap cap)
    {
        _socket = boundSocket;
        _noDelay = noDelay;
        _connections = connections;
        _cap = cap;
        _socket.Listen(backlog);
        EndPoint = _socket.LocalEndPoint!;
    }

    /// <inheritdoc/>
    public EndPoint EndPoint { get; }

    /// <inheritdoc/>
    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        TimeSpan backoff = TimeSpan.Zero;
        long failed = 0;
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
                if (failed++ == 0)
                {
                    since.Restart();
                    Console.WriteLine($"Accept failed ({exception.SocketErrorCode}: {exception.Message}); backing off while connections close");
                }

                backoff = backoff == TimeSpan.Zero ? MinBackoff : TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
                await Task.Delay(backoff, cancellationToken).ConfigureAwait(false);
                continue;
            }
            catch (SocketException)
            {
                // The peer reset the connection while it waited in the backlog: take the next one.
                continue;
            }

            if (failed > 0)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Accepting again after {failed} failed accept(s) in {since.Elapsed.TotalSeconds:0.0} s"));
                failed = 0;
                backoff = TimeSpan.Zero;
            }

            if (!_cap.TryEnter())
            {
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
