using System;

namespace ChatClient;

/// <summary>The command line (see <see cref="Usage"/>).</summary>
internal sealed record ClientArguments(Uri Uri, string Name)
{
    public const string Usage =
        "Usage: ChatClient ws://HOST:PORT/chat --name NAME [--room ROOM]   (wss:// for TLS, validated as usual)\n" +
        "  --name NAME   your nickname in the room (required)\n" +
        "  --room ROOM   the room to join (default: the URL's ?room=, else lobby)\n" +
        "  --help        this text\n" +
        "Each line typed is said in the room; /quit, the end of input (Ctrl+D) or Ctrl+C leaves it with a 1000 close.\n" +
        "Exit codes: 0 left the room, 1 no connection, 2 bad usage, 3 the server closed or lost the connection,\n" +
        "4 the name was refused (taken or invalid).\n";

    /// <summary>Reads the arguments; <see langword="null"/> with <paramref name="error"/> null for --help, set for bad usage.</summary>
    public static ClientArguments? Parse(string[] args, out string? error)
    {
        string? url = null, name = null, room = null;
        error = null;
        for (int i = 0; i < args.Length; i++)
        {
            string argument = args[i];
            switch (argument)
            {
                case "--help" or "-h":
                    return null;
                case "--name" or "--room" when i + 1 >= args.Length:
                    error = $"{argument} needs a value.";
                    return null;
                case "--name":
                    name = args[++i];
                    break;
                case "--room":
                    room = args[++i];
                    break;
                case not null when url is null && !argument.StartsWith('-'):
                    url = argument;
                    break;
                default:
                    error = $"Unknown option or extra argument: {argument}";
                    return null;
            }
        }

        if (url is null || !Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || (uri.Scheme != "ws" && uri.Scheme != "wss"))
        {
            error = url is null ? "The server's ws:// or wss:// URL is missing." : $"Not a ws:// or wss:// URL: {url}";
            return null;
        }

        if (string.IsNullOrWhiteSpace(name))
        {
            error = "--name is required.";
            return null;
        }

        var builder = new UriBuilder(uri);
        if (builder.Path is "" or "/")
        {
            builder.Path = "/chat";
        }

        if (room is not null)
        {
            builder.Query = "room=" + Uri.EscapeDataString(room);
        }

        return new ClientArguments(builder.Uri, name);
    }
}
