using System;
using System.Collections.Generic;
using System.Globalization;

namespace WebSocketProtocol.Tests.Hardening;

/// <summary>A response head as <see cref="HostilePeer"/> read it: the status line and the header fields in order.</summary>
internal sealed record HttpResponseHead(string StatusLine, int Status, IReadOnlyList<KeyValuePair<string, string>> Headers)
{
    public static HttpResponseHead Parse(string head)
    {
        string[] lines = head.Split("\r\n");
        string[] status = lines[0].Split(' ', 3);
        int code = status.Length >= 2 && status[0] == "HTTP/1.1" && int.TryParse(status[1], NumberStyles.None, CultureInfo.InvariantCulture, out int parsed) ? parsed : -1;
        var headers = new List<KeyValuePair<string, string>>();
        for (int i = 1; i < lines.Length; i++)
        {
            int colon = lines[i].IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                headers.Add(new KeyValuePair<string, string>(lines[i].Substring(0, colon), lines[i].Substring(colon + 1).Trim()));
            }
        }

        return new HttpResponseHead(lines[0], code, headers);
    }

    /// <summary>The value of the first header named <paramref name="name"/> (case-insensitively), or null.</summary>
    public string? Header(string name)
    {
        foreach (KeyValuePair<string, string> header in Headers)
        {
            if (string.Equals(header.Key, name, StringComparison.OrdinalIgnoreCase))
            {
                return header.Value;
            }
        }

        return null;
    }
}
