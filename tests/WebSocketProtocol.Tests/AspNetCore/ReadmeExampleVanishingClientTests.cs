using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Logging;
using WebSocketProtocol.Tests.Interop;
using Xunit;

namespace WebSocketProtocol.Tests.AspNetCore;

/// <summary>
/// A client that vanishes (its TCP connection ends without a close frame) is an ordinary end of the README endpoint's
/// receive loop: the app, copied from the package README as it stands, logs nothing at warning level or above.
/// </summary>
[Collection(InteropCollection.Name)]
public sealed class ReadmeExampleVanishingClientTests
{
    private static readonly TimeSpan Timeout = InteropFrames.Timeout;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_client_that_vanishes_mid_connection_makes_the_readme_app_log_no_warning_or_error(bool reset)
    {
        (byte[]? image, _) = ReadmeExample.Compile(ReadmeExample.ExtractCode());
        Assert.NotNull(image);
        var logs = new WarningCollector();
        RunningExample example = await ReadmeExample.StartAsync(image, ["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning"], Timeout);
        try
        {
            ((ILoggerFactory)example.Host.Services.GetService(typeof(ILoggerFactory))!).AddProvider(logs);
            var server = (IServer)example.Host.Services.GetService(typeof(IServer))!;
            int port = new Uri(server.Features.Get<IServerAddressesFeature>()!.Addresses.Single()).Port;
            using var timeout = new CancellationTokenSource(Timeout);

            // Upgraded, one message echoed, then gone: a closed socket (FIN), or a reset (RST) as a killed process leaves.
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), timeout.Token);
            await socket.SendAsync(Encoding.ASCII.GetBytes(RawHttp1.Upgrade("/echo", port)), SocketFlags.None, timeout.Token);
            string head = await ReadUntilAsync(socket, "\r\n\r\n", timeout.Token);
            Assert.StartsWith("HTTP/1.1 101", head, StringComparison.Ordinal);
            byte[] masked = { 0x81, 0x82, 1, 2, 3, 4, (byte)('h' ^ 1), (byte)('i' ^ 2) };
            await socket.SendAsync(masked, SocketFlags.None, timeout.Token);
            Assert.EndsWith("hi", await ReadUntilAsync(socket, "hi", timeout.Token), StringComparison.Ordinal);
            if (reset)
            {
                socket.LingerState = new LingerOption(true, 0);
            }
            else
            {
                socket.Shutdown(SocketShutdown.Both);
            }

            socket.Close();
        }
        finally
        {
            // The app stops only once its requests have ended, and anything the endpoint threw is logged before that.
            await example.DisposeAsync();
        }

        Assert.True(logs.Entries.IsEmpty, string.Join(Environment.NewLine, logs.Entries));
    }

    private static async Task<string> ReadUntilAsync(Socket socket, string end, CancellationToken cancellationToken)
    {
        var received = new StringBuilder();
        var buffer = new byte[1024];
        while (!received.ToString().EndsWith(end, StringComparison.Ordinal))
        {
            int read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                throw new InvalidOperationException($"The server ended the connection; received so far: {received}");
            }

            received.Append(Encoding.Latin1.GetString(buffer, 0, read));
        }

        return received.ToString();
    }

    /// <summary>Every entry at warning level or above, from every category.</summary>
    private sealed class WarningCollector : ILoggerProvider
    {
        public ConcurrentQueue<string> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(WarningCollector collector, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (logLevel >= LogLevel.Warning)
                {
                    collector.Entries.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
                }
            }
        }
    }
}
