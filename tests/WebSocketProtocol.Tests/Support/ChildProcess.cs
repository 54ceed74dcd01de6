using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;

namespace WebSocketProtocol.Tests.Support;

/// <summary>
/// A program the tests run as a child process (a Node script from <c>tests/WebSocketProtocol.Tests/Interop/node</c>, a
/// sample built by the solution, a native executable or a <c>dotnet</c> command), its standard output read line by line,
/// its standard input written as if typed.
/// Disposing closes its standard input, waits briefly for it to exit, and kills the process tree it started if it has not.
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private static readonly Lazy<string> LazyRepositoryRoot = new(FindRepositoryRoot);

    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly List<string> _output = new();
    private readonly StringBuilder _error = new();

    private readonly string _name;

    private ChildProcess(Process process, string name)
    {
        _process = process;
        _name = name;
    }

    /// <summary>The folder holding WebSocketProtocol.sln.</summary>
    public static string RepositoryRoot => LazyRepositoryRoot.Value;

    /// <summary>The folder holding package.json, the Node scripts and (once installed) node_modules.</summary>
    public static string ScriptsDirectory => Path.Combine(RepositoryRoot, "tests", "WebSocketProtocol.Tests", "Interop", "node");

    /// <summary>The process id, to signal it.</summary>
    public int Id => _process.Id;

    /// <summary>Every line the process wrote to standard output so far.</summary>
    public IReadOnlyList<string> Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToArray();
            }
        }
    }

    /// <summary>What the process wrote to standard error so far.</summary>
    public string StandardError
    {
        get
        {
            lock (_error)
            {
                return _error.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Starts <c>node <paramref name="script"/> <paramref name="arguments"/></c> in <see cref="ScriptsDirectory"/>.</summary>
    public static ChildProcess StartNode(string script, params string[] arguments)
    {
        string directory = ScriptsDirectory;
        if (!Directory.Exists(Path.Combine(directory, "node_modules", "ws")))
        {
            throw new InvalidOperationException(
                $"The ws package is not installed in {directory}: run eng/test.sh, which runs npm install there.");
        }

        return Start("node", directory, "node", [script, .. arguments]);
    }

    /// <summary>
    /// Starts <c>node <paramref name="script"/> <paramref name="arguments"/></c> from the repository root, for a script
    /// of the repository (its path relative to the root) that needs no npm package.
    /// </summary>
    public static ChildProcess StartRepositoryScript(string script, params string[] arguments) =>
        Start("node", RepositoryRoot, Path.GetFileName(script), [Path.Combine(RepositoryRoot, script), .. arguments]);

    /// <summary>
    /// Starts <c>bash <paramref name="script"/> <paramref name="arguments"/></c> from the repository root, for a shell script
    /// of the repository (its path relative to the root), with <paramref name="environment"/> added to the environment.
    /// </summary>
    public static ChildProcess StartRepositoryShellScript(string script, IReadOnlyDictionary<string, string?> environment, params string[] arguments) =>
        Start("bash", RepositoryRoot, Path.GetFileName(script), [Path.Combine(RepositoryRoot, script), .. arguments], environment);

    /// <summary>
    /// Starts the sample <paramref name="sample"/> (samples/NAME, built in Release by the solution build) with
    /// <c>dotnet</c>, from its output folder.
    /// </summary>
    public static ChildProcess StartSample(string sample, params string[] arguments) => StartSample(sample, descriptorLimits: null, arguments);

    /// <summary>
    /// Starts the sample as <see cref="StartSample(string, string[])"/> does, with its soft and hard limits on open file
    /// descriptors set to <paramref name="descriptorLimits"/> (util-linux's <c>prlimit</c>, which then becomes the sample,
    /// so the process id is the sample's), as <c>ulimit -Sn</c> and <c>ulimit -Hn</c> would before starting it.
    /// </summary>
    public static ChildProcess StartSample(string sample, (int Soft, int Hard)? descriptorLimits, params string[] arguments)
    {
        string directory = Path.Combine(RepositoryRoot, "samples", sample, "bin", "Release", "net10.0");
        string assembly = Path.Combine(directory, sample + ".dll");
        if (!File.Exists(assembly))
        {
            throw new InvalidOperationException($"{assembly} is not built: run eng/test.sh, which builds the solution in Release.");
        }

        if (descriptorLimits is (int soft, int hard))
        {
            string nofile = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"--nofile={soft}:{hard}");
            return Start("prlimit", directory, sample, [nofile, "dotnet", assembly, .. arguments]);
        }

        return Start("dotnet", directory, sample, [assembly, .. arguments]);
    }

    /// <summary>Starts <c>dotnet <paramref name="arguments"/></c> (a publish, say) from the repository root.</summary>
    public static ChildProcess StartDotnet(params string[] arguments) =>
        Start("dotnet", RepositoryRoot, "dotnet " + arguments[0], arguments);

    /// <summary>Starts the executable file <paramref name="path"/> (a native program) from its own folder.</summary>
    public static ChildProcess StartExecutable(string path, params string[] arguments) =>
        Start(path, Path.GetDirectoryName(path)!, Path.GetFileName(path), arguments);

    /// <summary>
    /// Starts <c>dotnet <paramref name="arguments"/></c> in <paramref name="directory"/>, for tests that drive the SDK
    /// itself (pack, new, build, run), with <paramref name="environment"/> applied over the test's own environment: a
    /// <see langword="null"/> value removes the variable.
    /// </summary>
    public static ChildProcess StartDotnet(string directory, IReadOnlyDictionary<string, string?> environment, params string[] arguments) =>
        Start("dotnet", directory, "dotnet " + (arguments.Length > 0 ? arguments[0] : string.Empty), arguments, environment);

    /// <summary>Writes <paramref name="line"/> and a line break to the process's standard input, as if typed.</summary>
    public async Task WriteLineAsync(string line, TimeSpan timeout)
    {
        try
        {
            await _process.StandardInput.WriteLineAsync(line).WaitAsync(timeout).ConfigureAwait(false);
            await _process.StandardInput.FlushAsync().WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{_name} did not read its input within {timeout}. {Describe()}");
        }
    }

    /// <summary>Closes the process's standard input: it reads the end of its input, as after Ctrl+D in a terminal.</summary>
    public void CloseInput() => _process.StandardInput.Close();

    /// <summary>
    /// Sends SIGTERM to this process only (by its id), unless it has exited. The samples treat it as Ctrl+C (the ASP.NET
    /// host's lifetime and the chat client's handler take both); SIGINT itself is not used because a test run started as a
    /// background job hands its children SIGINT already ignored, which .NET then leaves ignored.
    /// </summary>
    public void Stop()
    {
        if (_process.HasExited)
        {
            return;
        }

        using Process kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        kill.WaitForExit(5000);
    }

    /// <summary>
    /// Ends this process at once with SIGKILL, as a crash would, by its own handle (never anything found by name), and
    /// waits for it to be gone; its children, if any, are left to <see cref="DisposeAsync"/>.
    /// </summary>
    public async Task KillAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
        }

        await WaitForExitAsync(timeout).ConfigureAwait(false);
    }

    private static ChildProcess Start(string program, string directory, string name, string[] arguments, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var startInfo = new ProcessStartInfo(program)
        {
            WorkingDirectory = directory,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardInputEncoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (string argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach ((string variable, string? value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                startInfo.Environment.Remove(variable);
            }
            else
            {
                startInfo.Environment[variable] = value;
            }
        }

        var process = new Process { StartInfo = startInfo };
        var node = new ChildProcess(process, name);
        process.OutputDataReceived += (_, e) => node.OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) => node.OnError(e.Data);
        try
        {
            process.Start();
        }
        catch
        {
            process.Dispose();
            throw;
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return node;
    }

    /// <summary>Reads standard output up to the first line starting with <paramref name="prefix"/> and returns the rest of that line.</summary>
    /// <exception cref="TimeoutException">No such line within <paramref name="timeout"/>.</exception>
    /// <exception cref="InvalidOperationException">The process closed its output first.</exception>
    public async Task<string> WaitForLineAsync(string prefix, TimeSpan timeout)
    {
        string line = await WaitForLineAsync(candidate => candidate.StartsWith(prefix, StringComparison.Ordinal), $"a line starting with '{prefix}'", timeout).ConfigureAwait(false);
        return line.Substring(prefix.Length);
    }

    /// <summary>Reads standard output up to the first line that <paramref name="pattern"/> matches and returns it.</summary>
    /// <exception cref="TimeoutException">No such line within <paramref name="timeout"/>.</exception>
    /// <exception cref="InvalidOperationException">The process closed its output first.</exception>
    public Task<string> WaitForLineAsync(Regex pattern, TimeSpan timeout) =>
        WaitForLineAsync(pattern.IsMatch, $"a line matching /{pattern}/", timeout);

    private async Task<string> WaitForLineAsync(Func<string, bool> wanted, string description, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            while (await _lines.Reader.WaitToReadAsync(deadline.Token).ConfigureAwait(false))
            {
                while (_lines.Reader.TryRead(out string? line))
                {
                    if (wanted(line))
                    {
                        return line;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new TimeoutException($"{_name} printed no {description} within {timeout}. {Describe()}");
        }

        throw new InvalidOperationException($"{_name} closed its output before printing {description}. {Describe()}");
    }

    /// <summary>Waits for the process to exit and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{_name} did not exit within {timeout}. {Describe()}");
        }

        return _process.ExitCode;
    }

    /// <summary>The output so far, for assertion messages.</summary>
    public string Describe() =>
        "stdout: [" + string.Join(" | ", Output) + "] stderr: [" + StandardError.Trim() + "]";

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                CloseInput();
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (exception is TimeoutException or IOException or InvalidOperationException)
        {
        }
        finally
        {
            if (!_process.HasExited)
            {
                // The process this object started, by its own handle: never anything found by name.
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }

            _process.Dispose();
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "WebSocketProtocol.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No folder above {AppContext.BaseDirectory} holds WebSocketProtocol.sln.");
    }

    private void OnOutput(string? line)
    {
        if (line is null)
        {
            _lines.Writer.TryComplete();
            return;
        }

        lock (_output)
        {
            _output.Add(line);
        }

        _lines.Writer.TryWrite(line);
    }

    private void OnError(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_error)
        {
            _error.AppendLine(line);
        }
    }
}
