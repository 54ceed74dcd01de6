using System;
using System.Collections.Generic;
using System.IO;
using System.Threading.Tasks;
using WebSocketProtocol.Tests.Support;
using Xunit;

namespace WebSocketProtocol.Tests.Load;

/// <summary>
/// The command lines of the load tool, the reference servers and the benchmarks' memory probe, run as processes:
/// <c>--help</c> is System.CommandLine's generated help (exit 0, every option listed), a bad value exits 2 naming the option.
/// </summary>
public sealed class BenchmarkCommandLineTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_load_tools_help_lists_its_scenarios_and_each_scenarios_help_its_options()
    {
        await using (ChildProcess help = Start("LoadTool", "--help"))
        {
            Assert.Equal(0, await help.WaitForExitAsync(Bound));
            string text = string.Join('\n', help.Output);
            foreach (string scenario in new[] { "echo", "idle", "broadcast", "soak" })
            {
                Assert.Contains("  " + scenario + " ", text, StringComparison.Ordinal);
            }
        }

        await using (ChildProcess echo = Start("LoadTool", "echo", "--help"))
        {
            Assert.Equal(0, await echo.WaitForExitAsync(Bound));
            string text = string.Join('\n', echo.Output);
            foreach (string option in new[] { "--url <ws://127.0.0.1:PORT/PATH> (REQUIRED)", "--connections <C>", "--in-flight <W>", "--size <S>", "--type <binary|text>", "--warmup <SECONDS>", "--duration <SECONDS>", "--max-messages <N>", "--server-pid <PID>", "--verify-every <N>" })
            {
                Assert.Contains(option, text, StringComparison.Ordinal);
            }
        }

        await using (ChildProcess soak = Start("LoadTool", "soak", "--help"))
        {
            Assert.Equal(0, await soak.WaitForExitAsync(Bound));
            Assert.Contains("--members <N>", string.Join('\n', soak.Output), StringComparison.Ordinal);
            Assert.Contains("--seed <N>", string.Join('\n', soak.Output), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("broadcast --url ws://127.0.0.1:1/chat --size 9", "--size")]
    [InlineData("echo --url ws://127.0.0.1:1/echo --duration 601", "--duration")]
    [InlineData("echo --url http://127.0.0.1:1/echo", "--url")]
    [InlineData("soak --url ws://192.0.2.1:1", "--url")]
    [InlineData("soak --url ws://127.0.0.1:1 --members 1", "--members")]
    public async Task The_load_tool_refuses_a_bad_value_with_2_naming_the_option(string arguments, string option)
    {
        await using ChildProcess refused = Start("LoadTool", arguments.Split(' '));
        Assert.Equal(2, await refused.WaitForExitAsync(Bound));
        Assert.Contains($"{option} takes ", refused.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_load_tool_names_a_missing_url_and_an_unknown_scenario()
    {
        await using (ChildProcess urlless = Start("LoadTool", "echo", "--connections", "2"))
        {
            Assert.Equal(2, await urlless.WaitForExitAsync(Bound));
            Assert.Contains("'--url' is required", urlless.StandardError, StringComparison.Ordinal);
        }

        await using (ChildProcess unknown = Start("LoadTool", "ping"))
        {
            Assert.Equal(2, await unknown.WaitForExitAsync(Bound));
            Assert.Contains("'ping'", unknown.StandardError, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("RawEchoServer")]
    [InlineData("KestrelReferenceServer")]
    public async Task A_reference_servers_help_lists_its_options_and_a_bad_port_exits_2(string server)
    {
        await using (ChildProcess help = Start(server, "--help"))
        {
            Assert.Equal(0, await help.WaitForExitAsync(Bound));
            string text = string.Join('\n', help.Output);
            Assert.Contains("--port <N>", text, StringComparison.Ordinal);
            Assert.Contains("--sample-transport", text, StringComparison.Ordinal);
            Assert.Equal(server == "RawEchoServer", text.Contains("--sockets", StringComparison.Ordinal));
        }

        await using (ChildProcess refused = Start(server, "--port", "x"))
        {
            Assert.Equal(2, await refused.WaitForExitAsync(Bound));
            Assert.Contains("--port takes a port number; 'x' is not.", refused.StandardError, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_raw_server_refuses_sockets_with_the_sample_transport()
    {
        await using ChildProcess refused = Start("RawEchoServer", "--sockets", "--sample-transport", "--port", "0");
        Assert.Equal(2, await refused.WaitForExitAsync(Bound));
        Assert.Contains("--sockets runs without Kestrel", refused.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_memory_probe_lists_its_configurations_and_refuses_an_unknown_one()
    {
        await using (ChildProcess help = Start("WebSocketProtocol.Benchmarks", "memory", "--help"))
        {
            Assert.Equal(0, await help.WaitForExitAsync(Bound));
            Assert.Contains("managed-no-takeover", string.Join('\n', help.Output), StringComparison.Ordinal);
        }

        await using ChildProcess refused = Start("WebSocketProtocol.Benchmarks", "memory", "ours-sometimes");
        Assert.Equal(2, await refused.WaitForExitAsync(Bound));
        Assert.Contains("'ours-sometimes'", refused.StandardError, StringComparison.Ordinal);
    }

    /// <summary>Starts benchmarks/<paramref name="program"/> as built by the solution build in Release.</summary>
    private static ChildProcess Start(string program, params string[] arguments)
    {
        string directory = Path.Combine(ChildProcess.RepositoryRoot, "benchmarks", program, "bin", "Release", "net10.0");
        string assembly = Path.Combine(directory, program + ".dll");
        Assert.True(File.Exists(assembly), $"{assembly} is not built: run eng/test.sh, which builds the solution in Release.");
        return ChildProcess.StartDotnet(directory, new Dictionary<string, string?>(), [assembly, .. arguments]);
    }
}
