using System;
using System.Diagnostics;
using System.IO;
using System.Threading.Tasks;
using WebSocketProtocol.Tests.Support;
using Xunit;

namespace WebSocketProtocol.Tests.Packaging;

/// <summary>
/// src/WebSocketProtocol packed once per test class, as <c>dotnet pack -c Release</c> packs it, into a feed folder of its
/// own. The build goes to a temporary artifacts folder, so the src project's bin and obj (which this test assembly was
/// built from, and which a concurrent build may be writing) are never touched; <c>-warnaserror</c> makes a pack warning
/// fail the tests too.
/// </summary>
public sealed class PackedLibrary : IAsyncLifetime
{
    public const string Id = "WebSocketProtocol";

    public const string Version = "0.1.0";

    /// <summary>A multi-target build and pack on a busy two-core machine: generous, still bounded.</summary>
    private static readonly TimeSpan PackTimeout = TimeSpan.FromMinutes(5);

    private DirectoryInfo? _folder;

    /// <summary>The folder holding the .nupkg and .snupkg: a local package source.</summary>
    public string Feed => Path.Combine(Folder, "feed");

    public string Package => Path.Combine(Feed, $"{Id}.{Version}.nupkg");

    public string SymbolsPackage => Path.Combine(Feed, $"{Id}.{Version}.snupkg");

    /// <summary>How long <c>dotnet pack</c> took, for the record.</summary>
    public TimeSpan PackDuration { get; private set; }

    private string Folder => _folder?.FullName ?? throw new InvalidOperationException("The library is not packed yet.");

    public async Task InitializeAsync()
    {
        _folder = Directory.CreateTempSubdirectory("ws-pack-");
        string project = Path.Combine(ChildProcess.RepositoryRoot, "src", "WebSocketProtocol", "WebSocketProtocol.csproj");
        var stopwatch = Stopwatch.StartNew();
        await DotnetCommand.RunAsync(
            ChildProcess.RepositoryRoot,
            DotnetCommand.CleanEnvironment(),
            PackTimeout,
            "pack", project, "-c", "Release", "-o", Feed, "--artifacts-path", Path.Combine(Folder, "artifacts"),
            "--disable-build-servers", "-warnaserror");
        PackDuration = stopwatch.Elapsed;
    }

    public Task DisposeAsync()
    {
        _folder?.Delete(recursive: true);
        return Task.CompletedTask;
    }
}
