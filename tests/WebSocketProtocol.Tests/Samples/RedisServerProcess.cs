using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using WebSocketProtocol.Tests.Support;

namespace WebSocketProtocol.Tests.Samples;

/// <summary>
/// A real <c>redis-server</c> (Debian's package, which eng/test.sh installs) on a free loopback port, bound to 127.0.0.1,
/// with nothing persisted (<c>--save "" --appendonly no</c>) unless asked for an append-only file, and a temporary folder
/// of its own, for the chat sample's <c>--redis</c> mode; optionally a replica of another. It can be paused (SIGSTOP, as a
/// stalled Redis), killed (SIGKILL) and started again on the same port; every signal goes to its PID. Disposing stops it
/// and removes the folder.
/// </summary>
internal sealed class RedisServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);
    private static readonly Regex Ready = new("Ready to accept connections", RegexOptions.CultureInvariant);

    private readonly DirectoryInfo _directory;
    private readonly bool _appendOnly;
    private readonly int? _replicaOf;
    private readonly string? _password;
    private readonly (string Certificate, string Key)? _tls;
    private ChildProcess? _process;
    private bool _paused;

    private RedisServerProcess(int port, DirectoryInfo directory, bool appendOnly, int? replicaOf, string? password, (string Certificate, string Key)? tls)
    {
        _password = password;
        _tls = tls;
        Port = port;
        _directory = directory;
        _appendOnly = appendOnly;
        _replicaOf = replicaOf;
    }

    public int Port { get; }

    /// <summary>What the chat server's <c>--redis</c> takes.</summary>
    public string Endpoint => "127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture);

    /// <summary>The process id, while it runs.</summary>
    public int? ProcessId => _process?.Id;

    /// <summary>
    /// Starts a server. With <paramref name="appendOnly"/> every write goes to an append-only file first (fsync once a
    /// second; a SIGKILL loses nothing Redis answered, the file being written before the answer), so a kill and a start
    /// again keep the data; with <paramref name="replicaOf"/> it replicates the server on that port; with
    /// <paramref name="password"/> clients must give it; with <paramref name="tls"/> (PEM files of a certificate and its
    /// key) it speaks TLS only, on <see cref="Port"/>, and asks clients for no certificate.
    /// </summary>
    public static async Task<RedisServerProcess> StartAsync(bool appendOnly = false, int? replicaOf = null, string? password = null, (string Certificate, string Key)? tls = null)
    {
        var redis = new RedisServerProcess(ChatServerProcess.FreeLoopbackPort(), Directory.CreateTempSubdirectory("chat-redis-"), appendOnly, replicaOf, password, tls);
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
            _paused = false;
        }
    }

    /// <summary>
    /// Stops the process with SIGSTOP: its sockets stay open and the kernel keeps queueing what clients send, but nothing
    /// is answered, as with a Redis stalled by a slow disk, a long command or an overloaded machine.
    /// </summary>
    public async Task PauseAsync()
    {
        await SignalAsync("-STOP").ConfigureAwait(false);
        _paused = true;
    }

    /// <summary>Lets a paused process go on (SIGCONT): it reads what queued up meanwhile and answers it.</summary>
    public async Task ResumeAsync()
    {
        await SignalAsync("-CONT").ConfigureAwait(false);
        _paused = false;
    }

    /// <summary>Starts the server (again) on the same port and waits until it accepts connections.</summary>
    public async Task StartAgainAsync()
    {
        if (_process is not null)
        {
            throw new InvalidOperationException("redis-server is running already.");
        }

        string port = Port.ToString(CultureInfo.InvariantCulture);
        var arguments = new List<string>
        {
            "--port", _tls is null ? port : "0", "--bind", "127.0.0.1", "--save", string.Empty,
            "--appendonly", _appendOnly ? "yes" : "no", "--appendfsync", "everysec", "--dir", _directory.FullName,
        };
        if (_password is not null)
        {
            arguments.AddRange(["--requirepass", _password]);
        }

        if (_tls is var (certificate, key))
        {
            arguments.AddRange(["--tls-port", port, "--tls-cert-file", certificate, "--tls-key-file", key, "--tls-auth-clients", "no"]);
        }

        if (_replicaOf is int master)
        {
            arguments.AddRange(["--replicaof", "127.0.0.1", master.ToString(CultureInfo.InvariantCulture)]);
        }

        ChildProcess process = ChildProcess.StartExecutable(FindProgram(), arguments.ToArray());
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
    public Task<string> CommandAsync(params string[] command) => CommandAsync(Port, _password, command);

    /// <summary>Runs one command through <c>redis-cli</c> against the server (or Sentinel) on <paramref name="port"/>.</summary>
    public static async Task<string> CommandAsync(int port, string? password, params string[] command)
    {
        string[] authentication = password is null ? [] : ["--no-auth-warning", "-a", password];
        await using ChildProcess cli = ChildProcess.StartExecutable(
            FindProgram("redis-cli"), [.. authentication, "-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), .. command]);
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
            if (_paused)
            {
                await ResumeAsync().ConfigureAwait(false);
            }

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

    /// <summary>Sends <paramref name="signal"/> (as the <c>kill</c> program spells it) to this server's process, by its id.</summary>
    private async Task SignalAsync(string signal)
    {
        if (_process is null)
        {
            throw new InvalidOperationException("redis-server is not running.");
        }

        await using ChildProcess kill = ChildProcess.StartExecutable(
            FindProgram("kill"), signal, _process.Id.ToString(CultureInfo.InvariantCulture));
        int exit = await kill.WaitForExitAsync(StartTimeout).ConfigureAwait(false);
        if (exit != 0)
        {
            throw new InvalidOperationException($"kill {signal} {_process.Id} exited with {exit}. {kill.Describe()}");
        }
    }

    /// <summary>The path of <paramref name="name"/> on PATH.</summary>
    internal static string FindProgram(string name = "redis-server")
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
