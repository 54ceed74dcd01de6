using System;
using System.Threading.Tasks;

namespace WebSocketProtocol.LoadTool;

/// <summary>Entry point: <c>dotnet run -c Release --project benchmarks/LoadTool -- echo --url ws://127.0.0.1:PORT/echo ...</c>.</summary>
public static class Program
{
    /// <summary>
    /// Runs the scenario named first on the command line: <c>echo</c>, <c>idle</c> (the same options; see
    /// <see cref="IdleScenario"/>), <c>broadcast</c> (see <see cref="BroadcastScenario"/>) or <c>soak</c> (see
    /// <see cref="SoakScenario"/>).
    /// </summary>
    public static async Task<int> Main(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length == 0 || args[0] is not ("echo" or "idle" or "broadcast" or "soak"))
        {
            await Console.Error.WriteAsync(EchoOptions.Usage + BroadcastOptions.Usage + SoakOptions.Usage).ConfigureAwait(false);
            return args.Length == 0 || args[0] is "--help" or "-h" ? 0 : 2;
        }

        if (args[0] == "broadcast")
        {
            return await RunBroadcastAsync(args[1..]).ConfigureAwait(false);
        }

        if (args[0] == "soak")
        {
            return await RunSoakAsync(args[1..]).ConfigureAwait(false);
        }

        EchoOptions? options = EchoOptions.Parse(args[1..], out string? error);
        if (options is null)
        {
            await Console.Error.WriteAsync(error + "\n" + EchoOptions.Usage).ConfigureAwait(false);
            return 2;
        }

        if (args[0] == "idle")
        {
            (bool succeeded, string line) = await IdleScenario.RunAsync(options, message => Console.WriteLine(message)).ConfigureAwait(false);
            Console.WriteLine(line);
            return succeeded ? 0 : 1;
        }

        EchoResult result = await EchoScenario.RunAsync(options, line => Console.WriteLine(line)).ConfigureAwait(false);
        Console.WriteLine(result.Describe());
        Console.WriteLine(result.ResultLine());
        return result.Succeeded ? 0 : 1;
    }

    private static async Task<int> RunSoakAsync(string[] args)
    {
        SoakOptions? options = SoakOptions.Parse(args, out string? error);
        if (options is null)
        {
            await Console.Error.WriteAsync(error + "\n" + SoakOptions.Usage).ConfigureAwait(false);
            return 2;
        }

        SoakResult result = await SoakScenario.RunAsync(options, line => Console.WriteLine(line)).ConfigureAwait(false);
        Console.WriteLine(result.Describe());
        Console.WriteLine(result.ResultLine());
        return result.Succeeded ? 0 : 1;
    }

    private static async Task<int> RunBroadcastAsync(string[] args)
    {
        BroadcastOptions? options = BroadcastOptions.Parse(args, out string? error);
        if (options is null)
        {
            await Console.Error.WriteAsync(error + "\n" + BroadcastOptions.Usage).ConfigureAwait(false);
            return 2;
        }

        BroadcastResult result = await BroadcastScenario.RunAsync(options, line => Console.WriteLine(line)).ConfigureAwait(false);
        Console.WriteLine(result.Describe());
        Console.WriteLine(result.ResultLine());
        return result.Succeeded ? 0 : 1;
    }
}
