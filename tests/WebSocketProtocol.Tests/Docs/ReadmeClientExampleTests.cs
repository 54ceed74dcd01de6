using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Tests.AspNetCore;
using WebSocketProtocol.Tests.Interop;
using WebSocketProtocol.Tests.Transport;
using Xunit;

namespace WebSocketProtocol.Tests.Docs;

/// <summary>
/// The client examples of the root README ("A client in a few lines") and of the core package's README ("Quick start: a
/// client") compile as written, as programs with nullable checks on, and print what they received from an echo server.
/// </summary>
[Collection(InteropCollection.Name)]
public sealed class ReadmeClientExampleTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    /// <summary>The first <c>```csharp</c> block after <paramref name="heading"/> in the README copied as <paramref name="file"/>.</summary>
    private static string ExtractBlockAfter(string file, string heading)
    {
        string readme = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Docs", file)).Replace("\r\n", "\n", StringComparison.Ordinal);
        int section = readme.IndexOf("\n" + heading + "\n", StringComparison.Ordinal);
        Assert.True(section >= 0, $"{file} has no heading '{heading}'.");
        const string Fence = "```csharp\n";
        int start = readme.IndexOf(Fence, section, StringComparison.Ordinal) + Fence.Length;
        return readme[start..readme.IndexOf("```", start, StringComparison.Ordinal)];
    }

    /// <summary>Compiles <paramref name="code"/>, runs it with <paramref name="args"/> against an echo server and returns what it printed.</summary>
    private static async Task<string> RunAgainstEchoServerAsync(string code, Func<Uri, (string Code, string[] Args)> aim)
    {
        var peer = new EchoPeer();
        await using LoopbackWebSocketServer server = LoopbackWebSocketServer.Start(peer.HandleAsync);
        (string aimed, string[] args) = aim(server.GetUri("/echo"));
        (byte[]? image, var diagnostics) = ReadmeExample.Compile(aimed);
        Assert.True(diagnostics.IsEmpty, string.Join(Environment.NewLine, diagnostics.Select(d => d.ToString())));
        MethodInfo entryPoint = Assembly.Load(image!).EntryPoint!;

        // The interop collection runs alone, so the console is this test's to redirect.
        TextWriter console = Console.Out;
        using var printed = new StringWriter();
        Console.SetOut(printed);
        try
        {
            await Task.Factory.StartNew(() => entryPoint.Invoke(null, [args]), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).WaitAsync(Bound);
        }
        finally
        {
            Console.SetOut(console);
        }

        return printed.ToString().Replace("\r\n", "\n", StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_root_READMEs_client_in_a_few_lines_compiles_as_written_and_prints_the_echo()
    {
        string code = ExtractBlockAfter("README.md", "### A client in a few lines");
        Assert.Contains("new Uri(\"ws://localhost:8080/echo\")", code, StringComparison.Ordinal);
        Assert.True(ReadmeExample.Compile(code).Diagnostics.IsEmpty, "The example does not compile as written.");

        // Run against a loopback echo server on the port the OS gave it, instead of 8080.
        string output = await RunAgainstEchoServerAsync(code, uri => (code.Replace("ws://localhost:8080/echo", uri.ToString(), StringComparison.Ordinal), []));

        Assert.Equal("Text: hello\n", output);
    }

    [Fact]
    public async Task The_packages_quick_start_client_compiles_as_written_and_prints_what_it_says()
    {
        string code = ExtractBlockAfter("WebSocketProtocol.README.md", "## Quick start: a client");

        string output = await RunAgainstEchoServerAsync(code, uri => (code, [uri.ToString()]));

        Assert.Equal("Text: hello\nBinary: 010203\nclosed: NormalClosure\n", output);
    }
}
