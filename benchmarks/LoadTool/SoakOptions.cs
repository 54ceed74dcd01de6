using System;

namespace WebSocketProtocol.LoadTool;

/// <summary>What the soak scenario does; see <see cref="Usage"/> for the command line.</summary>
public sealed record SoakOptions
{
    /// <summary>The command line.</summary>
    public const string Usage =
        "       LoadTool soak --url ws://127.0.0.1:PORT [options]\n" +
        "  --duration SECONDS   how long the mixed load runs (default 60; at most 600 per run)\n" +
        "  --echo N             connections cycling on /echo: random messages checked byte for byte, then a clean\n" +
        "                       close, a dropped socket or a frame cut off halfway (default 8)\n" +
        "  --members N          chat members staying in one room, each sending numbered, checksummed messages that every\n" +
        "                       other one must get exactly once and in order (default 6)\n" +
        "  --churn N            chat members joining, talking and leaving (cleanly or abruptly) over and over (default 4)\n" +
        "  --server-pid PID     the server's process, for its resident set and open descriptors (/proc/PID)\n" +
        "  Start the sample server with --rate 1000 so its per-connection rate limit stays out of the way.\n";

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

    /// <summary>Parses the arguments after <c>soak</c>; <see langword="null"/> with <paramref name="error"/> set when they are wrong.</summary>
    public static SoakOptions? Parse(string[] args, out string? error)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = new SoakOptions { Url = new Uri("ws://127.0.0.1/") };
        Uri? url = null;
        error = OptionValues.ReadPairs(args, Apply);
        if (error is not null)
        {
            return null;
        }

        if (url is null)
        {
            error = "--url ws://127.0.0.1:PORT is required (loopback only).";
            return null;
        }

        return options with { Url = url };

        bool Apply(string name, string value)
        {
            switch (name)
            {
                case "--url" when Uri.TryCreate(value, UriKind.Absolute, out Uri? u) && u.Scheme == "ws" && u.IsLoopback:
                    url = u;
                    break;
                case "--duration" when OptionValues.Seconds(value, allowZero: false) is { } d:
                    options = options with { Duration = d };
                    break;
                case "--echo" when OptionValues.PositiveInt(value, 1000) is { } n:
                    options = options with { EchoWorkers = n };
                    break;
                case "--members" when OptionValues.PositiveInt(value, 1000) is { } n && n >= 2:
                    options = options with { StableMembers = n };
                    break;
                case "--churn" when OptionValues.PositiveInt(value, 1000) is { } n:
                    options = options with { ChurnWorkers = n };
                    break;
                case "--server-pid" when OptionValues.PositiveInt(value, int.MaxValue) is { } pid:
                    options = options with { ServerPid = pid };
                    break;
                case "--seed" when OptionValues.PositiveInt(value, int.MaxValue) is { } seed:
                    options = options with { Seed = seed };
                    break;
                default:
                    return false;
            }

            return true;
        }
    }
}
