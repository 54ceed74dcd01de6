using System;
using System.Collections.Generic;

namespace WebSocketProtocol.LoadTool;

/// <summary>What the broadcast scenario does; see <see cref="Usage"/> for the command line.</summary>
public sealed record BroadcastOptions
{
    /// <summary>The shortest chat text: ten digits of sequence number come first.</summary>
    public const int MinSize = 10;

    /// <summary>The command line.</summary>
    public const string Usage =
        "       LoadTool broadcast --url ws://127.0.0.1:PORT/chat?room=NAME [--url ws://127.0.0.1:PORT2/chat?room=NAME ...] [options]\n" +
        "  --url URL            the room; repeated, further servers of the same room (sample servers sharing one Redis):\n" +
        "                       the sender joins through the first, the members through each in turn\n" +
        "  --members N          members joining the room (default 100)\n" +
        "  --messages M         chat messages the first member sends (default 1000)\n" +
        "  --size S             characters per chat text, at least 10; a 10-digit sequence number first (default 64)\n" +
        "  --window W           messages the sender may be ahead of the slowest member (default 64)\n" +
        "  --timeout SECONDS    the whole run, joins and close included (default 120; at most 600)\n" +
        "  --server-pid PID     the server's process, for its CPU time per delivery (/proc/PID/stat)\n" +
        "  N members join one room of the chat protocol (samples/ChatServer/PROTOCOL.md), one sends M messages, all read\n" +
        "  every message event in order; reports deliveries/s (N x M over first send to last delivery). Start the sample\n" +
        "  server with --rate 1000000 --max-queue 4096 so its rate limit and slow-reader cut-off stay out of the way.\n";

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

    /// <summary>Parses the arguments after <c>broadcast</c>; <see langword="null"/> with <paramref name="error"/> set when they are wrong.</summary>
    public static BroadcastOptions? Parse(string[] args, out string? error)
    {
        ArgumentNullException.ThrowIfNull(args);
        Uri? url = null;
        var moreUrls = new List<Uri>();
        var options = new BroadcastOptions { Url = new Uri("ws://127.0.0.1/") };
        error = OptionValues.ReadPairs(args, Apply);
        if (error is not null)
        {
            return null;
        }

        if (url is null)
        {
            error = "--url ws://127.0.0.1:PORT/chat?room=NAME is required.";
            return null;
        }

        return options with { Url = url, MoreUrls = moreUrls };

        bool Apply(string name, string value)
        {
            switch (name)
            {
                case "--url" when Uri.TryCreate(value, UriKind.Absolute, out Uri? parsed) && parsed.Scheme == "ws":
                    if (url is null)
                    {
                        url = parsed;
                    }
                    else
                    {
                        moreUrls.Add(parsed);
                    }

                    break;
                case "--members" when OptionValues.PositiveInt(value, 100_000) is int n:
                    options = options with { Members = n };
                    break;
                case "--messages" when OptionValues.PositiveInt(value, 100_000_000) is int m:
                    options = options with { Messages = m };
                    break;
                case "--size" when OptionValues.PositiveInt(value, 1024 * 1024) is int s && s >= MinSize:
                    options = options with { Size = s };
                    break;
                case "--window" when OptionValues.PositiveInt(value, 1_000_000) is int w:
                    options = options with { Window = w };
                    break;
                case "--timeout" when OptionValues.Seconds(value, allowZero: false) is TimeSpan t:
                    options = options with { Timeout = t };
                    break;
                case "--server-pid" when OptionValues.PositiveInt(value, int.MaxValue) is int pid:
                    options = options with { ServerPid = pid };
                    break;
                default:
                    return false;
            }

            return true;
        }
    }
}
