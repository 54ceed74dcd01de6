using System.Net.WebSockets;
using System;
using System.Globalization;
using WebSocketProtocol.Connection;

namespace WebSocketProtocol.LoadTool;

/// <summary>What the echo scenario does; see <see cref="Usage"/> for the command line.</summary>
public sealed record EchoOptions
{
    /// <summary>The command line.</summary>
    public const string Usage =
        "Usage: LoadTool echo --url ws://127.0.0.1:PORT/PATH [options]\n" +
        "  --connections C      connections (default 64)\n" +
        "  --in-flight W        messages each connection keeps in flight (default 16)\n" +
        "  --size S             payload bytes per message (default 16)\n" +
        "  --type binary|text   message type; text is JSON of exactly S bytes (default binary)\n" +
        "  --warmup SECONDS     traffic before the measured window (default 1)\n" +
        "  --duration SECONDS   the measured window (default 5; at most 600)\n" +
        "  --max-messages N     stop sending after N messages in all, even inside the window (default 100000000)\n" +
        "  --server-pid PID     the server's process, for its CPU time per message over the window (/proc/PID/stat)\n" +
        "  --verify-every N     compare every Nth echo's bytes as well as its type and length (default 64; 1 = all)\n" +
        "       LoadTool idle --url ... --connections K --duration HOLD_SECONDS --server-pid PID\n" +
        "  opens K idle connections, holds them, reports handshakes/s and the server's resident set per connection.\n" +
        "Only loopback addresses are accepted. Prints a summary and a RESULT line of key=value pairs; exit code 0 when\n" +
        "messages were echoed and every one verified, 1 otherwise, 2 for a bad command line.\n";

    /// <summary>The server's echo endpoint; a loopback address.</summary>
    public required Uri Url { get; init; }

    /// <summary>Number of connections.</summary>
    public int Connections { get; init; } = 64;

    /// <summary>Messages each connection keeps in flight.</summary>
    public int InFlight { get; init; } = 16;

    /// <summary>Payload length in bytes.</summary>
    public int PayloadSize { get; init; } = 16;

    /// <summary>Text (JSON) or binary (random bytes).</summary>
    public WebSocketMessageType MessageType { get; init; } = WebSocketMessageType.Binary;

    /// <summary>Traffic before the measured window.</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The measured window.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Messages sent in all (warmup included) after which sending stops.</summary>
    public long MaxMessages { get; init; } = 100_000_000;

    /// <summary>The server process whose CPU time is measured, if any.</summary>
    public int? ServerPid { get; init; }

    /// <summary>Every how many echoes per connection the payload bytes are compared too.</summary>
    public int VerifyEvery { get; init; } = 64;

    /// <summary>Parses the arguments after <c>echo</c>; <see langword="null"/> with <paramref name="error"/> set when they are wrong.</summary>
    public static EchoOptions? Parse(string[] args, out string? error)
    {
        ArgumentNullException.ThrowIfNull(args);
        Uri? url = null;
        var options = new EchoOptions { Url = new Uri("ws://127.0.0.1/") };
        error = OptionValues.ReadPairs(args, Apply);
        if (error is not null)
        {
            return null;
        }

        if (url is null)
        {
            error = "--url ws://127.0.0.1:PORT/PATH is required.";
            return null;
        }

        return options with { Url = url };

        bool Apply(string name, string value)
        {
            switch (name)
            {
                case "--url" when Uri.TryCreate(value, UriKind.Absolute, out Uri? parsed) && parsed.Scheme == "ws":
                    url = parsed;
                    break;
                case "--connections" when OptionValues.PositiveInt(value, 100_000) is int c:
                    options = options with { Connections = c };
                    break;
                case "--in-flight" when OptionValues.PositiveInt(value, 4096) is int w:
                    options = options with { InFlight = w };
                    break;
                case "--size" when OptionValues.PositiveInt(value, 16 * 1024 * 1024) is int s:
                    options = options with { PayloadSize = s };
                    break;
                case "--type" when value is "binary" or "text":
                    options = options with { MessageType = value == "text" ? WebSocketMessageType.Text : WebSocketMessageType.Binary };
                    break;
                case "--warmup" when OptionValues.Seconds(value, allowZero: true) is TimeSpan warmup:
                    options = options with { Warmup = warmup };
                    break;
                case "--duration" when OptionValues.Seconds(value, allowZero: false) is TimeSpan duration:
                    options = options with { Duration = duration };
                    break;
                case "--max-messages" when long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long max) && max > 0:
                    options = options with { MaxMessages = max };
                    break;
                case "--server-pid" when OptionValues.PositiveInt(value, int.MaxValue) is int pid:
                    options = options with { ServerPid = pid };
                    break;
                case "--verify-every" when OptionValues.PositiveInt(value, int.MaxValue) is int every:
                    options = options with { VerifyEvery = every };
                    break;
                default:
                    return false;
            }

            return true;
        }
    }
}
