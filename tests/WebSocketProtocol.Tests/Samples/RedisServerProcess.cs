using System;
using System.Globalization;
using System.IO;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using WebSocketProtocol.Tests.Support;

namespace WebSocketProtocol.Tests.Samples;

/// <summary>
/// A real <c>redis-server</c> (Debian's package, which eng/test.sh installs) on a free loopback port, bound to 127.0.0.1,
/// with nothing persisted (<c>--save "" --appendonly no</c>) and a temporary folder of its own, for the chat sample's
/// <c>--redis</c> mode. It can be killed and started again on the same port; disposing stops it by its PID and removes
/// the folder.
/// </summary>
internal sealed class RedisServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);
    private static readonly Regex Ready = new("Ready to accept connections", RegexOptions.CultureInvariant);

    private readonly DirectoryInfo _directory;
    private ChildProcess? _process;

    private RedisServerProcess(int port, DirectoryInfo directory)
    {
        Port = port;
        _directory = directory;
    }

    public int Port { get; }

    /// <summary>What the chat server's <c>--redis</c> takes.</summary>
    public string Endpoint => "127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture);

    public static async Task<RedisServerProcess> StartAsync()
    {
        var redis = new RedisServerProcess(ChatServerProcess.FreeLoopbackPort(), Directory.CreateTempSubdirectory("chat-redis-"));
        try
        {
            await redis.StartAgainAsync().ConfigureAwait(false);
            return redis;
        }
        catch
        {
            await redis.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Kills the server with SIGKILL by its PID, as a crash would: everything it held is gone.</summary>
    public async Task KillAsync()
    {
        if (_process is not null)
        {
            await _process.KillAsync(StopTimeout).ConfigureAwait(false);
            await _process.DisposeAsync().ConfigureAwait(false);
            _process = null;
        }
    }

    /// <summary>Starts the server (again) on the same port and waits until it accepts connections.</summary>
    public async Task StartAgainAsync()
    {
        if (_process is not null)
        {
            throw new InvalidOperationException("redis-server is running already.");
        }

        ChildProcess process = ChildProcess.StartExecutable(
            FindProgram(),
            "--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", string.Empty,
            "--appendonly", "no", "--dir", _directory.FullName);
        try
        {
            await process.WaitForLineAsync(Ready, StartTimeout).ConfigureAwait(false);
        }
        catch
        {
            await process.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        _process = process;
    }

    /// <summary>Runs one command through <c>redis-cli</c> against this server and returns what it printed.</summary>
    public async Task<string> CommandAsync(params string[] command)
    {
        await using ChildProcess cli = ChildProcess.StartExecutable(
            FindProgram("redis-cli"), ["-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), .. command]);
        int exit = await cli.WaitForExitAsync(StartTimeout).ConfigureAwait(false);
        if (exit != 0)
        {
            throw new InvalidOperationException($"redis-cli {string.Join(' ', command)} exited with {exit}. {cli.Describe()}");
        }

        return string.Join('\n', cli.Output);
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            // SIGTERM: with nothing to save, redis-server exits at once.
            _process.Stop();
            try
            {
                await _process.WaitForExitAsync(StopTimeout).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Disposing kills it.
            }

            await _process.DisposeAsync().ConfigureAwait(false);
            _process = null;
        }

        _directory.Delete(recursive: true);
    }

    private static string FindProgram(string name = "redis-server")
    {
        foreach (string folder in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(folder, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"{name} is not on PATH: run eng/test.sh, which installs Debian's redis-server package.");
    }
}
