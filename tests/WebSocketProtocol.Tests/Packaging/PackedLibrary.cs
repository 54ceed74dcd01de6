using System;
using System.Diagnostics;
using System.IO;
using System.Threading.Tasks;
using WebSocketProtocol.Tests.Support;
using Xunit;

namespace WebSocketProtocol.Tests.Packaging;

/// <summary>
/// Both packages packed once per test class by the command the README gives (<c>bash eng/pack-local.sh FOLDER</c>), into a
/// feed folder of its own. The script builds in a temporary artifacts folder, so the src projects' bin and obj (which this
/// test assembly was built from, and which a concurrent build may be writing) are never touched, and packs with
/// <c>-warnaserror</c>, so a pack warning fails the tests too.
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
        var stopwatch = Stopwatch.StartNew();
        await using (ChildProcess pack = ChildProcess.StartRepositoryShellScript("eng/pack-local.sh", DotnetCommand.CleanEnvironment(), Feed))
        {
            int exitCode = await pack.WaitForExitAsync(PackTimeout);
            Assert.True(exitCode == 0, $"eng/pack-local.sh exited with {exitCode}. {pack.Describe()}");
            Assert.Contains(pack.Output, line => line.Trim() == $"dotnet add package {Id} --source {Feed}");
        }

        Assert.True(File.Exists(Path.Combine(Feed, $"{Id}.AspNetCore.{Version}.nupkg")), "the ASP.NET Core package is packed too");
        PackDuration = stopwatch.Elapsed;
    }

    public Task DisposeAsync()
    {
        _folder?.Delete(recursive: true);
        return Task.CompletedTask;
    }
}
