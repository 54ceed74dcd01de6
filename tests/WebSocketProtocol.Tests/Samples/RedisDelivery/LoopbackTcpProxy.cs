using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace WebSocketProtocol.Tests.Samples.RedisDelivery;

/// <summary>
/// A TCP relay on a free loopback port to another loopback port, that a test can cut: every connection through it is
/// closed at once, and new ones are closed as soon as they are accepted, until it is restored. Put between one chat server
/// and Redis, it cuts that server off while the others go on.
/// </summary>
internal sealed class LoopbackTcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _target;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<(Socket Client, Socket Server)> _pairs = new();
    private readonly Task _accepting;
    private volatile bool _cut;

    public LoopbackTcpProxy(int target)
    {
        _target = target;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = Task.Run(AcceptAsync);
    }

    public int Port { get; }

    /// <summary>What a chat server's <c>--redis</c> takes to go through the relay.</summary>
    public string Endpoint => "127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture);

    /// <summary>Closes every connection through the relay, and every new one until <see cref="Restore"/>.</summary>
    public void Cut()
    {
        _cut = true;
        lock (_pairs)
        {
            foreach ((Socket client, Socket server) in _pairs)
            {
                client.Dispose();
                server.Dispose();
            }

            _pairs.Clear();
        }
    }

    /// <summary>Relays new connections again.</summary>
    public void Restore() => _cut = false;

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        await _accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        Cut();
        _stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client = await _listener.AcceptSocketAsync(_stopping.Token).ConfigureAwait(false);
            if (_cut)
            {
                client.Dispose();
                continue;
            }

            var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await server.ConnectAsync(IPAddress.Loopback, _target, _stopping.Token).ConfigureAwait(false);
            }
            catch (SocketException)
            {
                client.Dispose();
                server.Dispose();
                continue;
            }

            lock (_pairs)
            {
                _pairs.Add((client, server));
            }

            _ = PumpAsync(client, server);
            _ = PumpAsync(server, client);
        }
    }

    private static async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                int read = await from.ReceiveAsync(buffer, SocketFlags.None).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None).ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
        {
            // Cut, or one side closed.
        }

        from.Dispose();
        to.Dispose();
    }
}
