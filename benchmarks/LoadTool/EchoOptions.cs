using System.Net.WebSockets;
using System;
using System.CommandLine;
using System.Globalization;
using WebSocketProtocol.Connection;
using WebSocketProtocol.Samples;

namespace WebSocketProtocol.LoadTool;

/// <summary>What the echo scenario does; <c>LoadTool echo --help</c> prints the command line (<see cref="CreateCommand"/>).</summary>
public sealed record EchoOptions
{
    /// <summary>What <c>echo --help</c> says.</summary>
    internal const string EchoDescription =
        "Echo load: C connections each keep W messages in flight to the server's echo endpoint; reports messages/s, latency " +
        "and the server's CPU time per message. Only loopback addresses are accepted. Prints a summary and a RESULT line of " +
        "key=value pairs; exit code 0 when messages were echoed and every one verified, 1 otherwise, 2 for a bad command line.";

    /// <summary>What <c>idle --help</c> says.</summary>
    internal const string IdleDescription =
        "Opens --connections K idle connections, holds them --duration HOLD_SECONDS, reports handshakes/s and the server's " +
        "resident set per connection (--server-pid PID). Takes the options of echo.";

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

    /// <summary>The <paramref name="name"/> subcommand (echo, or idle, which takes the same options).</summary>
    internal static Command CreateCommand(string name, string description)
    {
        Option<Uri?> url = CommandLineParsing.Option<Uri?>("--url", "ws://127.0.0.1:PORT/PATH", "the server's echo endpoint", "a ws:// URL",
            (string text, out Uri? value) => OptionValues.WebSocketUrl(text, loopbackOnly: false, out value!));
        url.Required = true;
        return new Command(name, description)
        {
            url,
            OptionValues.Count("--connections", "C", "connections", 100_000, 64),
            OptionValues.Count("--in-flight", "W", "messages each connection keeps in flight", 4096, 16),
            OptionValues.Count("--size", "S", "payload bytes per message", 16 * 1024 * 1024, 16),
            CommandLineParsing.Option("--type", "binary|text", "message type; text is JSON of exactly S bytes", "binary or text",
                (string text, out string value) => (value = text) is "binary" or "text", () => "binary"),
            OptionValues.Duration("--warmup", "traffic before the measured window", allowZero: true, 1),
            OptionValues.Duration("--duration", "the measured window (at most 600)", allowZero: false, 5),
            CommandLineParsing.Option("--max-messages", "N", "stop sending after N messages in all, even inside the window", "a whole number above 0",
                (string text, out long value) => long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value > 0, () => 100_000_000L),
            OptionValues.ServerPid("the server's process, for its CPU time per message over the window (/proc/PID/stat)"),
            OptionValues.Count("--verify-every", "N", "compare every Nth echo's bytes as well as its type and length (1 = all)", int.MaxValue, 64),
        };
    }

    /// <summary>The options a command line of <see cref="CreateCommand"/> gave.</summary>
    internal static EchoOptions From(ParseResult result) => new()
    {
        Url = result.GetValue<Uri?>("--url")!,
        Connections = result.GetValue<int>("--connections"),
        InFlight = result.GetValue<int>("--in-flight"),
        PayloadSize = result.GetValue<int>("--size"),
        MessageType = result.GetValue<string>("--type") == "text" ? WebSocketMessageType.Text : WebSocketMessageType.Binary,
        Warmup = TimeSpan.FromSeconds(result.GetValue<double>("--warmup")),
        Duration = TimeSpan.FromSeconds(result.GetValue<double>("--duration")),
        MaxMessages = result.GetValue<long>("--max-messages"),
        ServerPid = result.GetValue<int?>("--server-pid"),
        VerifyEvery = result.GetValue<int>("--verify-every"),
    };
}
