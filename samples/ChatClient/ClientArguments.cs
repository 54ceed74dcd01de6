using System;
using System.CommandLine;
using WebSocketProtocol.Samples;

namespace ChatClient;

/// <summary>The command line (see <see cref="Command"/>, which <c>--help</c> prints).</summary>
internal sealed record ClientArguments(Uri Uri, string Name)
{
    /// <summary>What the help says after the options: how to leave, and the exit codes.</summary>
    private const string Description =
        "A console member of the chat sample's rooms: ChatClient ws://HOST:PORT/chat --name NAME [--room ROOM] (wss:// for\n" +
        "TLS, validated as usual). Each line typed is said in the room; /quit, the end of input (Ctrl+D) or Ctrl+C leaves it\n" +
        "with a 1000 close. Exit codes: 0 left the room, 1 no connection, 2 bad usage, 3 the server closed or lost the\n" +
        "connection, 4 the name was refused (taken or invalid).";

    /// <summary>Reads the arguments; <see langword="null"/> with <paramref name="exitCode"/> set when the help or an error was printed.</summary>
    public static ClientArguments? Parse(string[] args, out int exitCode)
    {
        var url = new Argument<Uri?>("url")
        {
            Description = "the chat endpoint, ws://HOST:PORT/chat or wss://...; a URL without a path gets /chat",
            Arity = ArgumentArity.ZeroOrOne,
            CustomParser = result =>
            {
                string text = result.Tokens[0].Value;
                if (Uri.TryCreate(text, UriKind.Absolute, out Uri? uri) && uri.Scheme is "ws" or "wss")
                {
                    return uri;
                }

                result.AddError($"Not a ws:// or wss:// URL: {text}");
                return null;
            },
        };
        Option<string?> name = CommandLineParsing.Option<string?>("--name", "NAME", "your nickname in the room (required)", "a nickname", CommandLineParsing.AnyText);
        Option<string?> room = CommandLineParsing.Option<string?>("--room", "ROOM", "the room to join (default: the URL's ?room=, else lobby)", "a room name", CommandLineParsing.AnyText);
        var command = new RootCommand(Description) { url, name, room };
        if (CommandLineParsing.Parse(command, args, out exitCode, Check) is not { } parsed)
        {
            return null;
        }

        string? Check(ParseResult result) =>
            result.GetValue(url) is null ? "The server's ws:// or wss:// URL is missing."
            : string.IsNullOrWhiteSpace(result.GetValue(name)) ? "--name is required."
            : null;

        var builder = new UriBuilder(parsed.GetValue(url)!);
        if (builder.Path is "" or "/")
        {
            builder.Path = "/chat";
        }

        if (parsed.GetValue(room) is string chosen)
        {
            builder.Query = "room=" + Uri.EscapeDataString(chosen);
        }

        return new ClientArguments(builder.Uri, parsed.GetValue(name)!);
    }
}
