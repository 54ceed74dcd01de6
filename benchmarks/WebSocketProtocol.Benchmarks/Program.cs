using System.CommandLine;
using BenchmarkDotNet.Running;
using WebSocketProtocol.Samples;

namespace WebSocketProtocol.Benchmarks;

/// <summary>Entry point: <c>dotnet run -c Release --project benchmarks/WebSocketProtocol.Benchmarks -- --filter '*'</c> (or <c>-- memory</c>).</summary>
public static class Program
{
    /// <summary>Runs the benchmarks selected on the command line, or with <c>memory</c> the memory-per-connection probe.</summary>
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "memory")
        {
            return RunMemory(args);
        }

        // Everything else is BenchmarkDotNet's own command line (--filter, --job, ...), which it reads and documents itself.
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }

    private static int RunMemory(string[] args)
    {
        var configuration = new Argument<string?>("configuration")
        {
            Description = "measure only this one, in this process (the probe runs each in a process of its own this way): " + string.Join(", ", ConnectionMemory.Configurations),
            HelpName = "CONFIGURATION",
            Arity = ArgumentArity.ZeroOrOne,
        };
        configuration.AcceptOnlyFromAmong(ConnectionMemory.Configurations);
        var memory = new Command("memory", "Memory held per open connection, ours and ManagedWebSocket, with and without permessage-deflate: a Markdown table.")
        {
            configuration,
        };
        var command = new RootCommand("The library's benchmarks; BenchmarkDotNet reads every command line but memory's.") { memory };
        return CommandLineParsing.Parse(command, args, out int exitCode) is { } parsed
            ? ConnectionMemory.RunAsync(parsed.GetValue(configuration)).GetAwaiter().GetResult()
            : exitCode;
    }
}
