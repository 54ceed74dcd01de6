using System;
using System.CommandLine;
using System.Globalization;
using WebSocketProtocol.Samples;

namespace EchoClient;

/// <summary>The command line (see <see cref="Parse"/>; <c>--help</c> prints it).</summary>
internal sealed record EchoArguments(Uri Url, long MaxMessageSize, bool Deflate)
{
    private const string Description =
        "The client role's echo: connect to --url, send back every message with its type until the connection closes, " +
        "then print \"closed CODE REASON\" (or \"failed CODE ...\"). Exit codes: 0 for a 1000 close, 3 for any other close " +
        "code, 1 when no connection was made, 2 for bad usage.";

    /// <summary>Reads the arguments; <see langword="null"/> with <paramref name="exitCode"/> set when the help or an error was printed.</summary>
    public static EchoArguments? Parse(string[] args, out int exitCode)
    {
        Option<Uri?> url = CommandLineParsing.Option<Uri?>("--url", "ws://HOST:PORT/PATH", "the server to echo for (required)", "an absolute URL",
            (string text, out Uri? value) => Uri.TryCreate(text, UriKind.Absolute, out value));
        Option<long> maxMessageSize = CommandLineParsing.Option("--max-message-size", "BYTES", "the largest message accepted", "a number of bytes",
            (string text, out long value) => long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value), () => 16L * 1024 * 1024);
        Option<bool> deflate = CommandLineParsing.Flag("--deflate", "offer permessage-deflate");
        var command = new RootCommand(Description) { url, maxMessageSize, deflate };
        ParseResult? parsed = CommandLineParsing.Parse(command, args, out exitCode, result => result.GetValue(url) is null ? "--url is required." : null);
        return parsed is null ? null : new EchoArguments(parsed.GetValue(url)!, parsed.GetValue(maxMessageSize), parsed.GetValue(deflate));
    }
}
