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

#if NET8_0_OR_GREATER
    // Vectorised searches for the per-byte checks every header line goes through.
    private static readonly System.Buffers.SearchValues<byte> TokenChars =
        System.Buffers.SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    private static readonly System.Buffers.SearchValues<byte> ForbiddenInFieldValue = System.Buffers.SearchValues.Create(
        [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F,
         0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1A, 0x1B, 0x1C, 0x1D, 0x1E, 0x1F, 0x7F]);
#endif

    public static bool IsToken(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
        {
            return false;
        }

#if NET8_0_OR_GREATER
        return value.IndexOfAnyExcept(TokenChars) < 0;
#else
        foreach (byte b in value)
        {
            if (!IsTokenChar(b))
            {
                return false;
            }
        }

        return true;
#endif
    }

    /// <summary>Whether every byte may appear in a field value (<see cref="IsFieldValueChar"/>).</summary>
    public static bool IsFieldValue(ReadOnlySpan<byte> value)
    {
#if NET8_0_OR_GREATER
        return value.IndexOfAny(ForbiddenInFieldValue) < 0;
#else
        foreach (byte b in value)
        {
            if (!IsFieldValueChar(b))
            {
                return false;
            }
        }

        return true;
#endif
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
