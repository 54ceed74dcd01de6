using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using WebSocketProtocol.Tests.Support;
using Xunit;

namespace WebSocketProtocol.Tests.Fuzzing;

/// <summary>
/// Publishes the fuzz program once for every run of the collection (<c>fuzz/run.sh --list</c>) and keeps the target names
/// it lists, so each run only fuzzes (eng/test.sh has instrumented every target beforehand with <c>fuzz/run.sh --prepare</c>;
/// a run instruments its target itself when the library changed since).
/// </summary>
public sealed class FuzzBuild : IAsyncLifetime
{
    private static readonly IReadOnlyDictionary<string, string?> NoEnvironment = new Dictionary<string, string?>();

    /// <summary>The targets the fuzz program knows.</summary>
    public IReadOnlyList<string> Targets { get; private set; } = Array.Empty<string>();

    public async Task InitializeAsync()
    {
        await using ChildProcess list = ChildProcess.StartRepositoryShellScript("fuzz/run.sh", NoEnvironment, "--list");
        int exit = await list.WaitForExitAsync(TimeSpan.FromMinutes(5));
        if (exit != 0)
        {
            throw new InvalidOperationException($"fuzz/run.sh --list exited with {exit}. {list.Describe()}");
        }

        Targets = list.Output.Where(line => line.Length > 0).ToArray();
    }

    public Task DisposeAsync() => Task.CompletedTask;
}
