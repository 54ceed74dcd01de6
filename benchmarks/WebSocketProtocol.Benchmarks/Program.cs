using BenchmarkDotNet.Running;

namespace WebSocketProtocol.Benchmarks;

/// <summary>Entry point: <c>dotnet run -c Release --project benchmarks/WebSocketProtocol.Benchmarks -- --filter '*'</c> (or <c>-- memory</c>).</summary>
public static class Program
{
    /// <summary>Runs the benchmarks selected on the command line, or with <c>memory</c> the memory-per-connection probe.</summary>
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "memory")
        {
            return ConnectionMemory.RunAsync(args).GetAwaiter().GetResult();
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
