using System;

namespace WebSocketProtocol.Handshake;

/// <summary>The byte classes and comparisons of HTTP/1.1 message syntax (RFC 9110 section 5.6, RFC 9112).</summary>
internal static class HttpAscii
{
    /// <summary>tchar of RFC 9110 section 5.6.2: the characters a token (method, header name, list element) may use.</summary>
    public static bool IsTokenChar(byte b) => b switch
    {
        >= (byte)'a' and <= (byte)'z' => true,
        >= (byte)'A' and <= (byte)'Z' => true,
        >= (byte)'0' and <= (byte)'9' => true,
        (byte)'!' or (byte)'#' or (byte)'$' or (byte)'%' or (byte)'&' or (byte)'\'' or (byte)'*' or (byte)'+'
            or (byte)'-' or (byte)'.' or (byte)'^' or (byte)'_' or (byte)'`' or (byte)'|' or (byte)'~' => true,
        _ => false,
    };

    public static bool IsToken(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
        {
            return false;
        }

        foreach (byte b in value)
        {
            if (!IsTokenChar(b))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether a configured string (a subprotocol, a header name) is a token, safe to write into a header verbatim.</summary>
    public static bool IsToken(string text)
    {
        foreach (char c in text)
        {
            if (c > 0x7F || !IsTokenChar((byte)c))
            {
                return false;
            }
        }

        return text.Length > 0;
    }

    /// <summary>field-vchar, SP and HTAB (RFC 9110 section 5.5); obs-text (0x80-0xFF) is allowed, CTLs are not.</summary>
    public static bool IsFieldValueChar(byte b) => b == (byte)'\t' || (b >= 0x20 && b != 0x7F);

    public static bool IsWhitespace(byte b) => b == (byte)' ' || b == (byte)'\t';

    /// <summary>Strips optional white space (OWS) from both ends.</summary>
    public static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> value)
    {
        int start = 0;
        while (start < value.Length && IsWhitespace(value[start]))
        {
            start++;
        }

        int end = value.Length;
        while (end > start && IsWhitespace(value[end - 1]))
        {
            end--;
        }

        return value.Slice(start, end - start);
    }

    /// <summary>Compares ASCII case-insensitively, as header names and most tokens are compared.</summary>
    public static bool EqualsIgnoreCase(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        if (left.Length != right.Length)
        {
            return false;
        }

        for (int i = 0; i < left.Length; i++)
        {
            byte a = left[i];
            byte b = right[i];
            if (a != b && (((a | 0x20) != (b | 0x20)) || (uint)((a | 0x20) - 'a') > 'z' - 'a'))
            {
                return false;
            }
        }

        return true;
    }

    public static bool EqualsIgnoreCase(ReadOnlySpan<byte> left, string right)
    {
        if (left.Length != right.Length)
        {
            return false;
        }

        for (int i = 0; i < left.Length; i++)
        {
            char c = right[i];
            if (c > 0x7F)
            {
                return false;
            }

            byte a = left[i];
            byte b = (byte)c;
            if (a != b && (((a | 0x20) != (b | 0x20)) || (uint)((a | 0x20) - 'a') > 'z' - 'a'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Decodes ASCII (or Latin-1 obs-text) bytes to a string; used only where the caller asked for a string.</summary>
    public static string GetString(ReadOnlySpan<byte> bytes)
    {
        var chars = new char[bytes.Length];
        for (int i = 0; i < bytes.Length; i++)
        {
            chars[i] = (char)bytes[i];
        }

        return new string(chars);
    }
}
