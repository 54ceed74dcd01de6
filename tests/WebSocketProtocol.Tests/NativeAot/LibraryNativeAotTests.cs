using System;
using System.Globalization;
using System.IO;
using System.Threading.Tasks;
using WebSocketProtocol.Tests.Samples;
using WebSocketProtocol.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace WebSocketProtocol.Tests.NativeAot;

/// <summary>
/// The whole library compiled with NativeAOT for net8.0 through tests/WebSocketProtocol.AotCheck, which roots every type
/// so that the trim and AOT analysis sees all of it, then run: its client and server roles echo over loopback with
/// permessage-deflate. (net10.0 is compiled natively by <see cref="ChatClientNativeAotTests"/>.)
/// </summary>
// Native compilation takes both cores for a minute: one at a time with the other heavy child processes.
[Collection(SampleCollection.Name)]
public class LibraryNativeAotTests(ITestOutputHelper output)
{
    private static readonly TimeSpan PublishBound = TimeSpan.FromMinutes(4);
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_whole_library_compiles_natively_for_net8_without_warnings_and_echoes_over_loopback()
    {
        using NativePublish published = await NativePublish.RunAsync(
            Path.Combine("tests", "WebSocketProtocol.AotCheck", "WebSocketProtocol.AotCheck.csproj"), "WebSocketProtocol.AotCheck", "net8.0", PublishBound);
        Assert.True(published.ExitCode == 0, $"dotnet publish exited with {published.ExitCode}:\n{published.Describe()}");
        Assert.True(published.Warnings.Count == 0, "dotnet publish warned:\n" + string.Join("\n", published.Warnings));
        Assert.True(File.Exists(published.Executable), $"{published.Executable} is missing:\n{published.Describe()}");
        Assert.True(published.ExecutableIsElf(), $"{published.Executable} is not an ELF executable");
        long size = new FileInfo(published.Executable).Length;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"native net8.0 check: {size} bytes, published in {published.Elapsed.TotalSeconds:F0} s"));

        await using ChildProcess check = ChildProcess.StartExecutable(published.Executable);
        string line = await check.WaitForLineAsync("echo ok: ", Bound);
        Assert.Equal(0, await check.WaitForExitAsync(Bound));
        Assert.StartsWith(".NET 8.0.", line, StringComparison.Ordinal);
        Assert.Contains("dynamic code not supported", line, StringComparison.Ordinal);
        Assert.Contains("extensions [PerMessageDeflateExtension]", line, StringComparison.Ordinal);
        output.WriteLine(line);
    }
}
