using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Net;
using System.Security;
using System.Threading.Tasks;
using System.Xml.Linq;
using WebSocketProtocol.Tests.Samples;
using WebSocketProtocol.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace WebSocketProtocol.Tests.Packaging;

/// <summary>
/// The NuGet package as someone adopting it meets it: <c>dotnet pack</c> of src/WebSocketProtocol, then a new console app
/// outside the repository that takes the package from a local feed with <c>dotnet add package</c> and runs the README's
/// client and server, unchanged, against the sample chat server's <c>/echo</c> and against each other.
/// </summary>
public sealed class PackageAdoptionTests : IClassFixture<PackedLibrary>
{
    private static readonly string[] TargetFrameworks = ["net10.0", "net8.0", "netstandard2.0"];

    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    /// <summary>What the README's client prints against an echo server, as the README says.</summary>
    private static readonly string[] ClientOutput = ["Text: hello", "Binary: 010203", "closed: NormalClosure"];

    private readonly PackedLibrary _library;
    private readonly ITestOutputHelper _output;

    public PackageAdoptionTests(PackedLibrary library, ITestOutputHelper output)
    {
        _library = library;
        _output = output;
    }

    [Fact]
    public void The_package_has_the_metadata_readme_and_for_every_target_the_assembly_with_its_docs_and_symbols()
    {
        _output.WriteLine($"dotnet pack: {_library.PackDuration.TotalSeconds:0.0} s");
        Assert.True(File.Exists(_library.SymbolsPackage), $"{_library.SymbolsPackage} is missing");

        using ZipArchive package = ZipFile.OpenRead(_library.Package);
        XElement metadata = ReadNuspec(package).Element(Nuspec("metadata"))!;
        Assert.Equal(PackedLibrary.Id, metadata.Element(Nuspec("id"))?.Value);
        Assert.Equal(PackedLibrary.Version, metadata.Element(Nuspec("version"))?.Value);
        Assert.Equal("WebSocketProtocol contributors", metadata.Element(Nuspec("authors"))?.Value);
        XElement license = metadata.Element(Nuspec("license"))!;
        Assert.Equal(("expression", "MIT"), ((string?)license.Attribute("type"), license.Value));
        Assert.Equal("README.md", metadata.Element(Nuspec("readme"))?.Value);
        Assert.Equal("git", (string?)metadata.Element(Nuspec("repository"))?.Attribute("type"));
        Assert.Contains("RFC 6455", metadata.Element(Nuspec("description"))?.Value, StringComparison.Ordinal);
        string[] tags = (metadata.Element(Nuspec("tags"))?.Value ?? string.Empty).Split(' ');
        Assert.Contains("websocket", tags);
        Assert.Contains("rfc6455", tags);

        // A net10.0 app needs nothing but this package (which is what lets the adoption test restore from its feed alone).
        XElement dependencies = metadata.Element(Nuspec("dependencies"))!;
        XElement net10 = dependencies.Elements(Nuspec("group")).Single(g => (string?)g.Attribute("targetFramework") == "net10.0");
        Assert.Empty(net10.Elements());

        using (var reader = new StreamReader(package.GetEntry("README.md")!.Open()))
        {
            Assert.Equal(File.ReadAllText(ReadmeSample.ReadmePath), reader.ReadToEnd());
        }

        using ZipArchive symbols = ZipFile.OpenRead(_library.SymbolsPackage);
        foreach (string framework in TargetFrameworks)
        {
            Assert.NotNull(package.GetEntry($"lib/{framework}/WebSocketProtocol.dll"));
            Assert.NotNull(symbols.GetEntry($"lib/{framework}/WebSocketProtocol.pdb"));
            ZipArchiveEntry docs = package.GetEntry($"lib/{framework}/WebSocketProtocol.xml")
                ?? throw new Xunit.Sdk.XunitException($"lib/{framework}/WebSocketProtocol.xml is missing");
            using Stream stream = docs.Open();
            XDocument xml = XDocument.Load(stream);
            Assert.Contains(xml.Descendants("member"), m => (string?)m.Attribute("name") == "T:WebSocketProtocol.Connection.WebSocketConnection");
        }
    }

    [Fact]
    public async Task A_new_console_app_adds_the_package_from_a_feed_and_the_readme_client_and_server_echo_text_and_binary()
    {
        DirectoryInfo consumer = Directory.CreateTempSubdirectory("ws-adoption-");
        try
        {
            // Only the feed: a net10.0 console app needs nothing else (the SDK brings its own targeting and host packs), so
            // the restore proves the package is whole without reaching any other source. Packages go to a folder of the
            // test's own, never to the machine's cache, where a 0.1.0 from an earlier run would shadow this one.
            await File.WriteAllTextAsync(Path.Combine(consumer.FullName, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <clear />
                    <add key="local" value="{SecurityElement.Escape(_library.Feed)}" />
                  </packageSources>
                </configuration>
                """);
            string packages = Path.Combine(consumer.FullName, "packages");
            Dictionary<string, string?> environment = DotnetCommand.CleanEnvironment();
            environment["NUGET_PACKAGES"] = packages;

            var stopwatch = Stopwatch.StartNew();
            string client = await NewConsoleAppAsync(consumer.FullName, "Client", environment);
            string server = await NewConsoleAppAsync(consumer.FullName, "Server", environment);

            // Side by side, as two terminals would: much of each step is the SDK starting up and waiting on the disk.
            await Task.WhenAll(
                AddPackageAndBuildAsync(client, ReadmeSample.CodeAfter(ReadmeSample.ClientHeading), environment),
                AddPackageAndBuildAsync(server, ReadmeSample.CodeAfter(ReadmeSample.ServerHeading), environment));
            _output.WriteLine($"two apps created, package added, built: {stopwatch.Elapsed.TotalSeconds:0.0} s");
            Assert.Equal(new[] { "websocketprotocol" }, Directory.GetDirectories(packages).Select(Path.GetFileName));

            stopwatch.Restart();
            await using (ChatServerProcess chat = await ChatServerProcess.StartAsync())
            {
                IReadOnlyList<string> output = await DotnetCommand.RunAsync(
                    client, environment, CommandTimeout, "run", "--no-build", "-c", "Release", "--", $"ws://{chat.Host}:{chat.Port}/echo");
                Assert.Equal(ClientOutput, output);
            }

            _output.WriteLine($"README client against the chat server's /echo: {stopwatch.Elapsed.TotalSeconds:0.0} s");

            stopwatch.Restart();
            string serverAssembly = Path.Combine(server, "bin", "Release", "net10.0", "Server.dll");
            await using (ChildProcess readmeServer = ChildProcess.StartDotnet(server, environment, serverAssembly, "0"))
            {
                IPEndPoint endpoint = IPEndPoint.Parse(await readmeServer.WaitForLineAsync("Listening on ", StartTimeout));
                IReadOnlyList<string> output = await DotnetCommand.RunAsync(
                    client, environment, CommandTimeout, "run", "--no-build", "-c", "Release", "--", $"ws://{endpoint}/");
                Assert.Equal(ClientOutput, output);
                readmeServer.Stop();
            }

            _output.WriteLine($"README client against the README server: {stopwatch.Elapsed.TotalSeconds:0.0} s");
        }
        finally
        {
            consumer.Delete(recursive: true);
        }
    }

    /// <summary><c>dotnet new console</c> for net10.0 in a folder <paramref name="name"/>; returns that folder.</summary>
    /// <remarks>One at a time: the template engine keeps its settings in the user's profile.</remarks>
    private static async Task<string> NewConsoleAppAsync(string consumer, string name, IReadOnlyDictionary<string, string?> environment)
    {
        await DotnetCommand.RunAsync(consumer, environment, CommandTimeout, "new", "console", "--name", name, "--output", name, "--framework", "net10.0", "--no-restore", "--no-update-check");
        return Path.Combine(consumer, name);
    }

    /// <summary>
    /// <c>dotnet add package</c> from the feed, <paramref name="program"/> as Program.cs, and a Release build in which a
    /// warning is an error.
    /// </summary>
    private static async Task AddPackageAndBuildAsync(string project, string program, IReadOnlyDictionary<string, string?> environment)
    {
        await DotnetCommand.RunAsync(project, environment, CommandTimeout, "add", "package", PackedLibrary.Id, "--version", PackedLibrary.Version);
        await File.WriteAllTextAsync(Path.Combine(project, "Program.cs"), program);
        await DotnetCommand.RunAsync(project, environment, BuildTimeout, "build", "-c", "Release", "-warnaserror", "--disable-build-servers");
    }

    private static XElement ReadNuspec(ZipArchive package)
    {
        ZipArchiveEntry entry = package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal) && !e.FullName.Contains('/', StringComparison.Ordinal));
        using Stream stream = entry.Open();
        return XDocument.Load(stream).Root!;
    }

    private static XName Nuspec(string name) => XName.Get(name, "http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd");
}
