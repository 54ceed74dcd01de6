using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;

namespace WebSocketProtocol.Tests.Transport;

/// <summary>
/// A TLS server on 127.0.0.1 (a port the OS picks) with a given certificate: every connection it accepts is authenticated
/// and handed to a handler as pipes over the TLS stream. A connection whose TLS handshake fails (a client that refuses the
/// certificate) is dropped. <see cref="DisposeAsync"/> stops accepting, cancels the handlers and waits for them.
/// </summary>
internal sealed class TlsLoopbackServer : IAsyncDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly X509Certificate2 _certificate;
    private readonly Func<PipeReader, PipeWriter, CancellationToken, Task> _handler;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _connections = new();
    private readonly Task _acceptLoop;

    private TlsLoopbackServer(X509Certificate2 certificate, Func<PipeReader, PipeWriter, CancellationToken, Task> handler)
    {
        _certificate = certificate;
        _handler = handler;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public int Port { get; }

    /// <summary>Starts listening; <paramref name="handler"/> runs once per connection whose TLS handshake succeeded.</summary>
    public static TlsLoopbackServer Start(X509Certificate2 certificate, Func<PipeReader, PipeWriter, CancellationToken, Task> handler) => new(certificate, handler);

    /// <summary>The <c>wss://127.0.0.1:port</c> URI of <paramref name="path"/>.</summary>
    public Uri GetUri(string path) => new("wss://127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture) + path);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        await _acceptLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        Task[] connections;
        lock (_connections)
        {
            connections = _connections.ToArray();
        }

        await Task.WhenAll(connections).WaitAsync(Bound).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket = await _listener.AcceptSocketAsync(_stopping.Token).ConfigureAwait(false);
            lock (_connections)
            {
                _connections.Add(Task.Run(() => ServeAsync(socket)));
            }
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        await using var tls = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
        try
        {
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate }, _stopping.Token).WaitAsync(Bound);
            PipeReader input = PipeReader.Create(tls, new StreamPipeReaderOptions(leaveOpen: true));
            PipeWriter output = PipeWriter.Create(tls, new StreamPipeWriterOptions(leaveOpen: true));
            await _handler(input, output, _stopping.Token).WaitAsync(Bound);
            await output.CompleteAsync();
            await input.CompleteAsync();
        }
        catch (Exception exception) when (exception is System.Security.Authentication.AuthenticationException or System.IO.IOException or OperationCanceledException)
        {
            // A client that refused the certificate, or went away: nothing to serve.
        }
    }
}
