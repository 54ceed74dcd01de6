using System;
using System.CommandLine;
using WebSocketProtocol.Samples;

namespace WebSocketProtocol.LoadTool;

/// <summary>What the soak scenario does; <c>LoadTool soak --help</c> prints the command line (<see cref="CreateCommand"/>).</summary>
public sealed record SoakOptions
{
    private const string Description =
        "Mixed load on the sample server's /echo and /chat for a while, then checks that nothing was lost, duplicated or " +
        "leaked. Start the sample server with --rate 1000 so its per-connection rate limit stays out of the way.";

    /// <summary>The server's base URL (<c>ws://HOST:PORT</c>); <c>/echo</c> and <c>/chat</c> are used.</summary>
    public required Uri Url { get; init; }

    /// <summary>How long the load runs, before the final checks.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Concurrent echo connections, each reconnecting after it ends.</summary>
    public int EchoWorkers { get; init; } = 8;

    /// <summary>Chat members present for the whole run.</summary>
    public int StableMembers { get; init; } = 6;

    /// <summary>Chat members that come and go.</summary>
    public int ChurnWorkers { get; init; } = 4;

    /// <summary>The server process whose memory and descriptors are read, if any.</summary>
    public int? ServerPid { get; init; }

    /// <summary>Seeds the random choices, so a failing run can be repeated.</summary>
    public int Seed { get; init; } = 6455;

    /// <summary>The <c>soak</c> subcommand.</summary>
    internal static Command CreateCommand()
    {
        Option<Uri?> url = CommandLineParsing.Option<Uri?>("--url", "ws://127.0.0.1:PORT", "the server's base URL (loopback only); /echo and /chat are used", "a loopback ws:// URL",
            (string text, out Uri? value) => OptionValues.WebSocketUrl(text, loopbackOnly: true, out value!));
        url.Required = true;
        return new Command("soak", Description)
        {
            url,
            OptionValues.Duration("--duration", "how long the mixed load runs (at most 600 per run)", allowZero: false, 60),
            OptionValues.Count("--echo", "N", "connections cycling on /echo: random messages checked byte for byte, then a clean close, a dropped socket or a frame cut off halfway", 1000, 8),
            OptionValues.Count("--members", "N", "chat members staying in one room, each sending numbered, checksummed messages that every other one must get exactly once and in order", 1000, 6, min: 2),
            OptionValues.Count("--churn", "N", "chat members joining, talking and leaving (cleanly or abruptly) over and over", 1000, 4),
            OptionValues.ServerPid("the server's process, for its resident set and open descriptors (/proc/PID)"),
            OptionValues.Count("--seed", "N", "seeds the random choices, so a failing run can be repeated", int.MaxValue, 6455),
        };
    }

    /// <summary>The options a command line of <see cref="CreateCommand"/> gave.</summary>
    internal static SoakOptions From(ParseResult result) => new()
    {
        Url = result.GetValue<Uri?>("--url")!,
        Duration = TimeSpan.FromSeconds(result.GetValue<double>("--duration")),
        EchoWorkers = result.GetValue<int>("--echo"),
        StableMembers = result.GetValue<int>("--members"),
        ChurnWorkers = result.GetValue<int>("--churn"),
        ServerPid = result.GetValue<int?>("--server-pid"),
        Seed = result.GetValue<int>("--seed"),
    };
}
