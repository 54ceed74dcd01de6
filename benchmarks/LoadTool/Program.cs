using System;
using System.CommandLine;
using System.Threading.Tasks;
using WebSocketProtocol.Samples;

namespace WebSocketProtocol.LoadTool;

/// <summary>Entry point: <c>dotnet run -c Release --project benchmarks/LoadTool -- echo --url ws://127.0.0.1:PORT/echo ...</c>.</summary>
public static class Program
{
    /// <summary>
    /// Runs the scenario named first on the command line: <c>echo</c>, <c>idle</c> (the same options; see
    /// <see cref="IdleScenario"/>), <c>broadcast</c> (see <see cref="BroadcastScenario"/>) or <c>soak</c> (see
    /// <see cref="SoakScenario"/>); <c>--help</c>, or nothing at all, prints them, and <c>SCENARIO --help</c> its options.
    /// </summary>
    public static async Task<int> Main(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var command = new RootCommand("Load scenarios against a WebSocket server on loopback; LoadTool SCENARIO --help lists a scenario's options.")
        {
            EchoOptions.CreateCommand("echo", EchoOptions.EchoDescription),
            EchoOptions.CreateCommand("idle", EchoOptions.IdleDescription),
            BroadcastOptions.CreateCommand(),
            SoakOptions.CreateCommand(),
        };
        if (CommandLineParsing.Parse(command, args.Length == 0 ? ["--help"] : args, out int exitCode) is not { } parsed)
        {
            return exitCode;
        }

        switch (parsed.CommandResult.Command.Name)
        {
            case "idle":
            {
                (bool succeeded, string line) = await IdleScenario.RunAsync(EchoOptions.From(parsed), message => Console.WriteLine(message)).ConfigureAwait(false);
                Console.WriteLine(line);
                return succeeded ? 0 : 1;
            }

            case "broadcast":
            {
                BroadcastResult result = await BroadcastScenario.RunAsync(BroadcastOptions.From(parsed), line => Console.WriteLine(line)).ConfigureAwait(false);
                return Report(result.Describe(), result.ResultLine(), result.Succeeded);
            }

            case "soak":
            {
                SoakResult result = await SoakScenario.RunAsync(SoakOptions.From(parsed), line => Console.WriteLine(line)).ConfigureAwait(false);
                return Report(result.Describe(), result.ResultLine(), result.Succeeded);
            }

            case "echo":
            {
                EchoResult result = await EchoScenario.RunAsync(EchoOptions.From(parsed), line => Console.WriteLine(line)).ConfigureAwait(false);
                return Report(result.Describe(), result.ResultLine(), result.Succeeded);
            }

            default:
                // The root command alone has no action: say which scenarios there are.
                await Console.Error.WriteLineAsync("Name a scenario: echo, idle, broadcast or soak (LoadTool --help).").ConfigureAwait(false);
                return CommandLineParsing.BadUsage;
        }
    }

    private static int Report(string summary, string resultLine, bool succeeded)
    {
        Console.WriteLine(summary);
        Console.WriteLine(resultLine);
        return succeeded ? 0 : 1;
    }
}
