using System;
using System.Globalization;

namespace ChatServer;

/// <summary>The command line: <c>--port N --host NAME --max-message-size BYTES</c>, and <c>--help</c>.</summary>
internal sealed record ServerArguments(int Port, string Host, long MaxMessageSize)
{
    public const string Usage =
        "Usage: ChatServer [--port N] [--host NAME] [--max-message-size BYTES]\n" +
        "  --port N                  TCP port to listen on (default 8080; 0 picks a free one)\n" +
        "  --host NAME               localhost, a loopback or any IP address to bind (default localhost)\n" +
        "  --max-message-size BYTES  largest message /echo accepts (default 16777216, enough for the conformance catalogue)\n";

    public static ServerArguments? Parse(string[] args, out string? error)
    {
        int port = 8080;
        string host = "localhost";
        long maxMessageSize = 16 * 1024 * 1024;
        error = null;
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            if (name is "--help" or "-h")
            {
                return null;
            }

            if (i + 1 >= args.Length)
            {
                error = $"{name} needs a value.";
                return null;
            }

            string value = args[++i];
            switch (name)
            {
                case "--port" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int p) && p <= 65535:
                    port = p;
                    break;
                case "--host":
                    host = value;
                    break;
                case "--max-message-size" when long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long m) && m >= 125:
                    maxMessageSize = m;
                    break;
                default:
                    error = $"Unknown option or bad value: {name} {value}";
                    return null;
            }
        }

        return new ServerArguments(port, host, maxMessageSize);
    }
}
