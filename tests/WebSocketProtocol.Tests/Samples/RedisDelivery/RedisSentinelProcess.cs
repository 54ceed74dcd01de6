using System;
using System.Globalization;
using System.IO;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using WebSocketProtocol.Tests.Support;

namespace WebSocketProtocol.Tests.Samples.RedisDelivery;

/// <summary>
/// A real <c>redis-sentinel</c> (Debian's package, which eng/test.sh installs) on a free loopback port, watching the
/// master on a given port under the service name <see cref="ServiceName"/> with a quorum of two, and quick to act (the
/// master is down after a second without an answer). Its configuration file (which Sentinel rewrites as it learns) lives
/// in a temporary folder of its own; disposing stops it by its PID and removes the folder.
/// </summary>
internal sealed class RedisSentinelProcess : IAsyncDisposable
{
    /// <summary>The name the Sentinels know the master by.</summary>
    public const string ServiceName = "chat";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly Regex Monitoring = new(@"\+monitor master " + ServiceName + " ", RegexOptions.CultureInvariant);

    private readonly ChildProcess _process;
    private readonly DirectoryInfo _directory;

    private RedisSentinelProcess(ChildProcess process, DirectoryInfo directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    /// <summary>This Sentinel's endpoint, for a StackExchange.Redis configuration string.</summary>
    public string Endpoint => "127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture);

    public static async Task<RedisSentinelProcess> StartAsync(int masterPort)
    {
        int port = ChatServerProcess.FreeLoopbackPort();
        DirectoryInfo directory = Directory.CreateTempSubdirectory("chat-sentinel-");
        string configuration = Path.Combine(directory.FullName, "sentinel.conf");
        string master = masterPort.ToString(CultureInfo.InvariantCulture);
        await File.WriteAllTextAsync(configuration, string.Join('\n',
            $"port {port.ToString(CultureInfo.InvariantCulture)}",
            "bind 127.0.0.1",
            "daemonize no",
            $"dir {directory.FullName}",
            $"sentinel monitor {ServiceName} 127.0.0.1 {master} 2",
            $"sentinel down-after-milliseconds {ServiceName} 1000",
            $"sentinel failover-timeout {ServiceName} 10000",
            $"sentinel parallel-syncs {ServiceName} 1",
            string.Empty)).ConfigureAwait(false);
        ChildProcess process = ChildProcess.StartExecutable(RedisServerProcess.FindProgram("redis-sentinel"), configuration);
        try
        {
            await process.WaitForLineAsync(Monitoring, StartTimeout).ConfigureAwait(false);
            return new RedisSentinelProcess(process, directory, port);
        }
        catch
        {
            await process.DisposeAsync().ConfigureAwait(false);
            directory.Delete(recursive: true);
            throw;
        }
    }

    /// <summary>Runs one Sentinel command through <c>redis-cli</c> and returns what it printed.</summary>
    public Task<string> CommandAsync(params string[] command) => RedisServerProcess.CommandAsync(Port, null, command);

    /// <summary>The output so far, for assertion messages.</summary>
    public string Describe() => _process.Describe();

    public async ValueTask DisposeAsync()
    {
        _process.Stop();
        try
        {
            await _process.WaitForExitAsync(StartTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Disposing kills it.
        }

        await _process.DisposeAsync().ConfigureAwait(false);
        _directory.Delete(recursive: true);
    }
}
