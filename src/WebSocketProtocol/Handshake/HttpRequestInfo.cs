using System.Collections.Generic;

namespace WebSocketProtocol.Handshake;

/// <summary>A plain HTTP request head handed back to the application, which answers it itself on the same connection.</summary>
public sealed class HttpRequestInfo
{
    internal HttpRequestInfo(string method, string target, string version, IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        Method = method;
        Target = target;
        Version = version;
        Headers = headers;
    }

    /// <summary>The method, such as <c>GET</c>.</summary>
    public string Method { get; }

    /// <summary>The request target: path and query, percent-encoded as sent.</summary>
    public string Target { get; }

    /// <summary>The path part of <see cref="Target"/>.</summary>
    public string Path => Target.IndexOf('?') is int query and >= 0 ? Target.Substring(0, query) : Target;

    /// <summary>The HTTP version as sent, such as <c>HTTP/1.1</c>.</summary>
    public string Version { get; }

    /// <summary>The header fields in order, names as sent.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; }

    /// <summary>All values of the header <paramref name="name"/> joined with <c>", "</c>, or <see langword="null"/>.</summary>
    /// <param name="name">Compared case-insensitively.</param>
    public string? GetHeader(string name)
    {
        string? combined = null;
        foreach (KeyValuePair<string, string> header in Headers)
        {
            if (string.Equals(header.Key, name, System.StringComparison.OrdinalIgnoreCase))
            {
                combined = combined is null ? header.Value : combined + ", " + header.Value;
            }
        }

        return combined;
    }
}
