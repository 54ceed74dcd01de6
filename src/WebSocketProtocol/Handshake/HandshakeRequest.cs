using System;

namespace WebSocketProtocol.Handshake;

/// <summary>
/// A parsed opening-handshake request, viewed in place over the request's bytes: nothing is copied, and a string is made
/// only when a method that returns one is called. Valid only during the call it is passed to.
/// </summary>
public readonly ref struct HandshakeRequest
{
    private readonly ReadOnlySpan<byte> _head;
    private readonly ReadOnlySpan<HeaderField> _fields;
    private readonly (int Start, int Length) _method;
    private readonly (int Start, int Length) _target;

    internal HandshakeRequest(ReadOnlySpan<byte> head, ReadOnlySpan<HeaderField> fields, (int Start, int Length) method, (int Start, int Length) target, int versionMajor, int versionMinor, string? selectedSubProtocol)
    {
        _head = head;
        _fields = fields;
        _method = method;
        _target = target;
        VersionMajor = versionMajor;
        VersionMinor = versionMinor;
        SelectedSubProtocol = selectedSubProtocol;
    }

    /// <summary>The request method, such as <c>GET</c>.</summary>
    public ReadOnlySpan<byte> Method => _head.Slice(_method.Start, _method.Length);

    /// <summary>The request target as sent: path and query, still percent-encoded.</summary>
    public ReadOnlySpan<byte> Target => _head.Slice(_target.Start, _target.Length);

    /// <summary>The path part of <see cref="Target"/>, before any <c>?</c>.</summary>
    public ReadOnlySpan<byte> Path
    {
        get
        {
            ReadOnlySpan<byte> target = Target;
            int query = target.IndexOf((byte)'?');
            return query < 0 ? target : target.Slice(0, query);
        }
    }

    /// <summary>The query part of <see cref="Target"/> after the <c>?</c>, or empty.</summary>
    public ReadOnlySpan<byte> Query
    {
        get
        {
            ReadOnlySpan<byte> target = Target;
            int query = target.IndexOf((byte)'?');
            return query < 0 ? default : target.Slice(query + 1);
        }
    }

    /// <summary>The HTTP major version.</summary>
    public int VersionMajor { get; }

    /// <summary>The HTTP minor version.</summary>
    public int VersionMinor { get; }

    /// <summary>The subprotocol the server chose from the client's offer, or <see langword="null"/>.</summary>
    public string? SelectedSubProtocol { get; }

    /// <summary>The number of header fields.</summary>
    public int HeaderCount => _fields.Length;

    /// <summary>The name of header field <paramref name="index"/>, as sent.</summary>
    /// <param name="index">0 to <see cref="HeaderCount"/> - 1.</param>
    public ReadOnlySpan<byte> GetHeaderName(int index) => _head.Slice(_fields[index].NameStart, _fields[index].NameLength);

    /// <summary>The value of header field <paramref name="index"/>, without surrounding white space.</summary>
    /// <param name="index">0 to <see cref="HeaderCount"/> - 1.</param>
    public ReadOnlySpan<byte> GetHeaderValue(int index) => _head.Slice(_fields[index].ValueStart, _fields[index].ValueLength);

    /// <summary>The value of the first field named <paramref name="name"/> (compared case-insensitively).</summary>
    /// <param name="name">A header name.</param>
    /// <param name="value">The trimmed value.</param>
    public bool TryGetHeader(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        int index = IndexOf(name, 0);
        value = index < 0 ? default : GetHeaderValue(index);
        return index >= 0;
    }

    /// <summary>How many fields are named <paramref name="name"/>.</summary>
    /// <param name="name">A header name, compared case-insensitively.</param>
    public int CountHeader(ReadOnlySpan<byte> name)
    {
        int count = 0;
        for (int i = IndexOf(name, 0); i >= 0; i = IndexOf(name, i + 1))
        {
            count++;
        }

        return count;
    }

    /// <summary>Whether any field named <paramref name="name"/> lists <paramref name="token"/> (case-insensitive), as in <c>Connection: keep-alive, Upgrade</c>.</summary>
    /// <param name="name">A header name.</param>
    /// <param name="token">The list element to look for.</param>
    public bool HeaderContainsToken(ReadOnlySpan<byte> name, ReadOnlySpan<byte> token)
    {
        for (int i = IndexOf(name, 0); i >= 0; i = IndexOf(name, i + 1))
        {
            if (HttpTokenList.Contains(GetHeaderValue(i), token))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// All fields named <paramref name="name"/> combined into one string with <c>", "</c>, as RFC 9110 section 5.3 combines
    /// them, or <see langword="null"/> when there are none. Allocates the string.
    /// </summary>
    /// <param name="name">A header name, compared case-insensitively.</param>
    public string? GetHeader(string name)
    {
        string? combined = null;
        for (int i = 0; i < _fields.Length; i++)
        {
            if (HttpAscii.EqualsIgnoreCase(GetHeaderName(i), name))
            {
                string value = HttpAscii.GetString(GetHeaderValue(i));
                combined = combined is null ? value : combined + ", " + value;
            }
        }

        return combined;
    }

    /// <summary>The request target as a string (allocates).</summary>
    public string GetTargetString() => HttpAscii.GetString(Target);

    /// <summary>The path as a string, still percent-encoded (allocates).</summary>
    public string GetPathString() => HttpAscii.GetString(Path);

    /// <summary>The same request with the server's choice of subprotocol, for the steps that run after it was made.</summary>
    internal HandshakeRequest WithSelectedSubProtocol(string? subprotocol) =>
        new(_head, _fields, _method, _target, VersionMajor, VersionMinor, subprotocol);

    internal int IndexOf(ReadOnlySpan<byte> name, int start)
    {
        for (int i = start; i < _fields.Length; i++)
        {
            if (HttpAscii.EqualsIgnoreCase(GetHeaderName(i), name))
            {
                return i;
            }
        }

        return -1;
    }
}
