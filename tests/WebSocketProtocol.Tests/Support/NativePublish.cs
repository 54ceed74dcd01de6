using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using System.Threading.Tasks;

namespace WebSocketProtocol.Tests.Support;

/// <summary>
/// A project of the repository published with NativeAOT (<c>dotnet publish -r RID -p:NativeAot=true</c>, the property
/// its project file turns into PublishAot) into a temporary folder of its own, so the solution's bin and obj folders,
/// which the running tests come from, are not touched. Disposing deletes the folder.
/// </summary>
internal sealed partial class NativePublish : IDisposable
{
    private readonly string _folder;

    private NativePublish(string folder, string executable, int exitCode, IReadOnlyList<string> output, TimeSpan elapsed)
    {
        _folder = folder;
        Executable = executable;
        ExitCode = exitCode;
        Output = output;
        Elapsed = elapsed;
    }

    /// <summary>Where the native executable is (or would be, had the publish failed).</summary>
    public string Executable { get; }

    public int ExitCode { get; }

    /// <summary>What <c>dotnet publish</c> printed, standard output then standard error.</summary>
    public IReadOnlyList<string> Output { get; }

    /// <summary>How long the restore, build and native compilation took.</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>Every warning with a code (IL2xxx trim, IL3xxx AOT and single-file analysis, and any other) it printed.</summary>
    public IReadOnlyList<string> Warnings => Output.Where(line => CodedWarning().IsMatch(line)).Distinct().ToArray();

    /// <summary>
    /// Publishes <paramref name="project"/> (relative to the repository root) for this machine's runtime identifier and
    /// <paramref name="targetFramework"/> (its only one when null). The publish is fresh each time, so the analysis runs
    /// and its warnings are printed again rather than skipped as up to date.
    /// </summary>
    /// <exception cref="TimeoutException">The publish did not finish within <paramref name="timeout"/>; it was killed.</exception>
    public static async Task<NativePublish> RunAsync(string project, string executableName, string? targetFramework, TimeSpan timeout)
    {
        string folder = Path.Combine(Path.GetTempPath(), "wsp-native-" + Guid.NewGuid().ToString("N"));
        string output = Path.Combine(folder, "publish");
        Directory.CreateDirectory(folder);
        try
        {
            List<string> arguments =
            [
                "publish", Path.Combine(ChildProcess.RepositoryRoot, project), "-c", "Release", "-r", RuntimeInformation.RuntimeIdentifier,
                "-p:NativeAot=true", "--artifacts-path", Path.Combine(folder, "artifacts"), "-o", output,
                // Compiler and MSBuild servers would outlive the test; plain console output is what the warnings are read from.
                "--disable-build-servers", "-tl:off",
            ];
            if (targetFramework is not null)
            {
                arguments.AddRange(["-f", targetFramework]);
            }

            Stopwatch clock = Stopwatch.StartNew();
            await using ChildProcess publish = ChildProcess.StartDotnet([.. arguments]);
            int exitCode = await publish.WaitForExitAsync(timeout).ConfigureAwait(false);
            clock.Stop();
            string[] printed = [.. publish.Output, .. publish.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
            return new NativePublish(folder, Path.Combine(output, executableName), exitCode, printed, clock.Elapsed);
        }
        catch
        {
            Directory.Delete(folder, recursive: true);
            throw;
        }
    }

    /// <summary>Whether <see cref="Executable"/> starts with the ELF magic number (0x7F 'E' 'L' 'F'): a native Linux program.</summary>
    public bool ExecutableIsElf()
    {
        using FileStream file = File.OpenRead(Executable);
        Span<byte> magic = stackalloc byte[4];
        return file.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false) == magic.Length && magic.SequenceEqual("\u007FELF"u8);
    }

    /// <summary>The publish's output, for assertion messages.</summary>
    public string Describe() => string.Join("\n", Output);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    // MSBuild's "file(line): warning CODE: text", and ILC's "Trim analysis warning IL2026: ..." and "AOT analysis warning IL3050: ...".
    [GeneratedRegex(@"\bwarning [A-Z]+[0-9]+\b")]
    private static partial Regex CodedWarning();
}
