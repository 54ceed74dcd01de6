using System;
using Microsoft.Extensions.Primitives;

namespace WebSocketProtocol.AspNetCore;

/// <summary>Looks for one element of comma-separated header lists (RFC 9110 section 5.6.1) without splitting them into strings.</summary>
internal static class HeaderTokens
{
    /// <summary>Whether any of <paramref name="values"/> lists <paramref name="token"/>, compared case-insensitively, with OWS trimmed.</summary>
    public static bool Contains(StringValues values, string token)
    {
        foreach (string? value in values)
        {
            ReadOnlySpan<char> rest = value.AsSpan();
            while (!rest.IsEmpty)
            {
                int comma = rest.IndexOf(',');
                ReadOnlySpan<char> element = (comma < 0 ? rest : rest.Slice(0, comma)).Trim(" \t");
                if (element.Equals(token, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }

                rest = comma < 0 ? default : rest.Slice(comma + 1);
            }
        }

        return false;
    }
}
