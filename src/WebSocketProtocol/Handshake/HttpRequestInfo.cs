using System.Collections.Generic;

namespace WebSocketProtocol.Handshake;

/// <summary>
/// An HTTP request head as strings: a plain request the handshake hands back for the application to answer on the same
/// connection, or a request another HTTP server parsed, handed to <see cref="ServerHandshake.Negotiate(HttpRequestInfo, WebSocketServerOptions, ICollection{KeyValuePair{string, string}})"/>.
/// </summary>
public sealed class HttpRequestInfo
{
    /// <summary>Describes a request another HTTP server parsed.</summary>
    /// <param name="method">The method, such as <c>GET</c>, or <c>CONNECT</c> for an extended CONNECT.</param>
    /// <param name="target">The request target as sent (path and query, percent-encoded), or HTTP/2's <c>:path</c>.</param>
    /// <param name="version"><c>HTTP/1.1</c>, or <c>HTTP/2</c> and <c>HTTP/3</c> (with or without <c>.0</c>).</param>
    /// <param name="headers">Every header field in order, a repeated name once per value; pseudo-header fields such as <c>:protocol</c> included.</param>
    public HttpRequestInfo(string method, string target, string version, IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        Method = method ?? throw new System.ArgumentNullException(nameof(method));
        Target = target ?? throw new System.ArgumentNullException(nameof(target));
        Version = version ?? throw new System.ArgumentNullException(nameof(version));
        Headers = headers ?? throw new System.ArgumentNullException(nameof(headers));
    }

    /// <summary>The method, such as <c>GET</c>.</summary>
    public string Method { get; }

    /// <summary>The request target: path and query, percent-encoded as sent.</summary>
    public string Target { get; }

    /// <summary>The path part of <see cref="Target"/>.</summary>
    public string Path => Target.IndexOf('?') is int query and >= 0 ? Target.Substring(0, query) : Target;

    /// <summary>The HTTP version, such as <c>HTTP/1.1</c>.</summary>
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
