using System;

namespace WebSocketProtocol.Handshake;

/// <summary>
/// Walks a comma-separated list (RFC 9110 section 5.6.1) element by element, skipping empty elements and trimming OWS.
/// One pass, no allocation: a hostile value of any length costs time linear in its bytes.
/// </summary>
internal ref struct HttpTokenList
{
    private ReadOnlySpan<byte> _rest;

    public HttpTokenList(ReadOnlySpan<byte> value)
    {
        _rest = value;
        Current = default;
    }

    public ReadOnlySpan<byte> Current { get; private set; }

    public readonly HttpTokenList GetEnumerator() => this;

    public bool MoveNext()
    {
        while (!_rest.IsEmpty)
        {
            int comma = _rest.IndexOf((byte)',');
            ReadOnlySpan<byte> element = comma < 0 ? _rest : _rest.Slice(0, comma);
            _rest = comma < 0 ? default : _rest.Slice(comma + 1);
            element = HttpAscii.Trim(element);
            if (!element.IsEmpty)
            {
                Current = element;
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether <paramref name="value"/> lists <paramref name="token"/>, compared case-insensitively.</summary>
    public static bool Contains(ReadOnlySpan<byte> value, ReadOnlySpan<byte> token)
    {
        foreach (ReadOnlySpan<byte> element in new HttpTokenList(value))
        {
            if (HttpAscii.EqualsIgnoreCase(element, token))
            {
                return true;
            }
        }

        return false;
    }
}
