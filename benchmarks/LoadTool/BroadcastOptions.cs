using System;
using System.Collections.Generic;
using System.CommandLine;
using WebSocketProtocol.Samples;

namespace WebSocketProtocol.LoadTool;

/// <summary>What the broadcast scenario does; <c>LoadTool broadcast --help</c> prints the command line (<see cref="CreateCommand"/>).</summary>
public sealed record BroadcastOptions
{
    /// <summary>The shortest chat text: ten digits of sequence number come first.</summary>
    public const int MinSize = 10;

    private const string Description =
        "N members join one room of the chat protocol (samples/ChatServer/PROTOCOL.md), one sends M messages, all read every " +
        "message event in order; reports deliveries/s (N x M over first send to last delivery). Start the sample server with " +
        "--rate 1000000 --max-queue 4096 so its rate limit and slow-reader cut-off stay out of the way.";

    /// <summary>The chat endpoint with its room; a loopback address.</summary>
    public required Uri Url { get; init; }

    /// <summary>
    /// The same room on further servers (chat servers sharing it through Redis): member i joins through
    /// <see cref="Url"/> and these in turn (i modulo their number), so the sender, member 0, is on <see cref="Url"/>.
    /// </summary>
    public IReadOnlyList<Uri> MoreUrls { get; init; } = [];

    /// <summary>Members in the room, the sender included.</summary>
    public int Members { get; init; } = 100;

    /// <summary>Chat messages sent.</summary>
    public int Messages { get; init; } = 1000;

    /// <summary>Characters (ASCII, so bytes too) of each chat text.</summary>
    public int Size { get; init; } = 64;

    /// <summary>How many messages the sender may have sent beyond what the slowest member has received.</summary>
    public int Window { get; init; } = 64;

    /// <summary>The bound on the whole run.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>The server that member <paramref name="index"/> joins through.</summary>
    public Uri UrlOf(int index)
    {
        int server = index % (MoreUrls.Count + 1);
        return server == 0 ? Url : MoreUrls[server - 1];
    }

    /// <summary>The server process whose CPU time is measured (the first server's, with several), if any.</summary>
    public int? ServerPid { get; init; }

    /// <summary>The <c>broadcast</c> subcommand.</summary>
    internal static Command CreateCommand()
    {
        Option<Uri[]> urls = CommandLineParsing.RepeatedOption<Uri>("--url", "ws://127.0.0.1:PORT/chat?room=NAME",
            "the room; repeated, further servers of the same room (sample servers sharing one Redis): the sender joins through the first, the members through each in turn",
            "a ws:// URL", (string text, out Uri value) => OptionValues.WebSocketUrl(text, loopbackOnly: false, out value));
        urls.Required = true;
        return new Command("broadcast", Description)
        {
            urls,
            OptionValues.Count("--members", "N", "members joining the room", 100_000, 100),
            OptionValues.Count("--messages", "M", "chat messages the first member sends", 100_000_000, 1000),
            OptionValues.Count("--size", "S", "characters per chat text, at least 10; a 10-digit sequence number first", 1024 * 1024, 64, min: MinSize),
            OptionValues.Count("--window", "W", "messages the sender may be ahead of the slowest member", 1_000_000, 64),
            OptionValues.Duration("--timeout", "the whole run, joins and close included (at most 600)", allowZero: false, 120),
            OptionValues.ServerPid("the server's process, for its CPU time per delivery (/proc/PID/stat)"),
        };
    }

    /// <summary>The options a command line of <see cref="CreateCommand"/> gave.</summary>
    internal static BroadcastOptions From(ParseResult result)
    {
        Uri[] urls = result.GetValue<Uri[]>("--url")!;
        return new BroadcastOptions
        {
            Url = urls[0],
            MoreUrls = urls[1..],
            Members = result.GetValue<int>("--members"),
            Messages = result.GetValue<int>("--messages"),
            Size = result.GetValue<int>("--size"),
            Window = result.GetValue<int>("--window"),
            Timeout = TimeSpan.FromSeconds(result.GetValue<double>("--timeout")),
            ServerPid = result.GetValue<int?>("--server-pid"),
        };
    }
}
