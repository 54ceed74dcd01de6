using System;
using System.Globalization;
using System.Threading.Tasks;
using WebSocketProtocol.Tests.Support;

namespace WebSocketProtocol.Tests.Samples;

/// <summary>samples/ChatServer running as its own process on a free loopback port, as <c>dotnet run</c> would start it.</summary>
internal sealed class ChatServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private ChatServerProcess(ChildProcess process, int port)
    {
        Process = process;
        Port = port;
    }

    public ChildProcess Process { get; }

    public int Port { get; }

    /// <summary>The page's origin, which the server accepts as its own.</summary>
    public string Origin => $"http://localhost:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Starts the server with <c>--port 0</c> (or the port given) and the extra <paramref name="arguments"/>, and waits until it listens.</summary>
    public static async Task<ChatServerProcess> StartAsync(params string[] arguments)
    {
        string[] all = Array.IndexOf(arguments, "--port") >= 0 ? arguments : ["--port", "0", .. arguments];
        ChildProcess process = ChildProcess.StartSample("ChatServer", all);
        try
        {
            string address = await process.WaitForLineAsync("Listening on http://localhost:", StartTimeout).ConfigureAwait(false);
            return new ChatServerProcess(process, int.Parse(address, NumberStyles.None, CultureInfo.InvariantCulture));
        }
        catch
        {
            await process.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public Uri ChatUri(string? room = null) =>
        new($"ws://localhost:{Port.ToString(CultureInfo.InvariantCulture)}/chat" + (room is null ? string.Empty : "?room=" + Uri.EscapeDataString(room)));

    public ValueTask DisposeAsync() => Process.DisposeAsync();
}
