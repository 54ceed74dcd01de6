using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using WebSocketProtocol.Tests.Support;

namespace WebSocketProtocol.Tests.Samples;

/// <summary>samples/ChatServer running as its own process on a free loopback port, as <c>dotnet run</c> would start it.</summary>
internal sealed class ChatServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    private ChatServerProcess(ChildProcess process, bool secure, string host, int port)
    {
        Process = process;
        IsSecure = secure;
        Host = host;
        Port = port;
    }

    /// <summary>Whether it serves https:// and wss:// (started with <c>--cert</c>).</summary>
    public bool IsSecure { get; }

    public ChildProcess Process { get; }

    /// <summary>The host it listens on and pages use: <c>localhost</c> unless started with <c>--host</c>.</summary>
    public string Host { get; }

    public int Port { get; }

    /// <summary>The page's origin, which the server accepts as its own.</summary>
    public string Origin => $"{(IsSecure ? "https" : "http")}://{Host}:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// Starts the server with <c>--port 0</c> (or the port given) and the extra <paramref name="arguments"/> (such as
    /// <c>--host 127.0.0.1</c>), and waits until it listens.
    /// </summary>
    public static Task<ChatServerProcess> StartAsync(params string[] arguments) => StartAsync(descriptorLimits: null, arguments);

    /// <summary>
    /// Starts the server as <see cref="StartAsync(string[])"/> does, with <paramref name="descriptorLimits"/> as its soft
    /// and hard limits on open file descriptors.
    /// </summary>
    public static async Task<ChatServerProcess> StartAsync((int Soft, int Hard)? descriptorLimits, params string[] arguments)
    {
        string[] all = Array.IndexOf(arguments, "--port") >= 0 ? arguments : ["--port", "0", .. arguments];
        ChildProcess process = ChildProcess.StartSample("ChatServer", descriptorLimits, all);
        try
        {
            var address = new Uri(await process.WaitForLineAsync("Listening on ", StartTimeout).ConfigureAwait(false));
            return new ChatServerProcess(process, address.Scheme == "https", address.Host, address.Port);
        }
        catch
        {
            await process.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Starts the server as <see cref="StartAsync(string[])"/> does, with <paramref name="environment"/> applied over this
    /// process's environment (such as <c>SSL_CERT_FILE</c>, the roots OpenSSL, and so .NET on Linux, trusts).
    /// </summary>
    public static async Task<ChatServerProcess> StartAsync(IReadOnlyDictionary<string, string?> environment, params string[] arguments)
    {
        string directory = Path.Combine(ChildProcess.RepositoryRoot, "samples", "ChatServer", "bin", "Release", "net10.0");
        string[] all = Array.IndexOf(arguments, "--port") >= 0 ? arguments : ["--port", "0", .. arguments];
        ChildProcess process = ChildProcess.StartDotnet(directory, environment, [Path.Combine(directory, "ChatServer.dll"), .. all]);
        try
        {
            var address = new Uri(await process.WaitForLineAsync("Listening on ", StartTimeout).ConfigureAwait(false));
            return new ChatServerProcess(process, address.Scheme == "https", address.Host, address.Port);
        }
        catch
        {
            await process.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// A loopback port that was free a moment ago (bound to 127.0.0.1:0 and released), for a server that must come back
    /// on the same port.
    /// </summary>
    public static int FreeLoopbackPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    public Uri ChatUri(string? room = null) =>
        new($"{(IsSecure ? "wss" : "ws")}://{Host}:{Port.ToString(CultureInfo.InvariantCulture)}/chat" + (room is null ? string.Empty : "?room=" + Uri.EscapeDataString(room)));

    public Uri EchoUri() => new($"{(IsSecure ? "wss" : "ws")}://{Host}:{Port.ToString(CultureInfo.InvariantCulture)}/echo");

    /// <summary>
    /// Stops the server as Ctrl+C does (it takes no notice of the end of its input, which is how <see cref="ChildProcess"/>
    /// asks), so that it exits at once instead of being killed after a wait; then disposes the process.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        Process.Stop();
        try
        {
            await Process.WaitForExitAsync(StopTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Disposing the process kills it.
        }

        await Process.DisposeAsync().ConfigureAwait(false);
    }
}
