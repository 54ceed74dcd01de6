using System;

namespace WebSocketProtocol.Handshake;

/// <summary>
/// Splits a complete HTTP/1.1 head (RFC 9112 sections 2-5) into its start line and header fields, recording positions
/// instead of copying. Strict where smuggling and confusion live: CRLF only, no white space before the colon, no obsolete
/// line folding, no control characters in values.
/// </summary>
internal static class HttpHeadParser
{
    private static ReadOnlySpan<byte> CrLf => "\r\n"u8;

    /// <summary>
    /// Parses the header fields that follow the start line into <paramref name="fields"/>. Returns the field count, or -1
    /// when a line is malformed. <paramref name="head"/> ends with the empty line.
    /// </summary>
    public static int ParseFields(ReadOnlySpan<byte> head, int fieldsStart, Span<HeaderField> fields)
    {
        int count = 0;
        int position = fieldsStart;
        while (true)
        {
            int lineLength = head.Slice(position).IndexOf(CrLf);
            if (lineLength < 0)
            {
                return -1;
            }

            if (lineLength == 0)
            {
                return count;
            }

            ReadOnlySpan<byte> line = head.Slice(position, lineLength);
            int colon = line.IndexOf((byte)':');
            // RFC 9112 section 5.1: no white space between name and colon; section 5.2: obs-fold may be rejected.
            if (colon <= 0 || count == fields.Length || !HttpAscii.IsToken(line.Slice(0, colon)))
            {
                return -1;
            }

            ReadOnlySpan<byte> rawValue = line.Slice(colon + 1);
            if (!HttpAscii.IsFieldValue(rawValue))
            {
                return -1;
            }

            int leading = 0;
            while (leading < rawValue.Length && HttpAscii.IsWhitespace(rawValue[leading]))
            {
                leading++;
            }

            ReadOnlySpan<byte> value = HttpAscii.Trim(rawValue);
            fields[count++] = new HeaderField(position, colon, position + colon + 1 + leading, value.Length);
            position += lineLength + 2;
        }
    }

    /// <summary>Parses <c>method SP request-target SP HTTP-version CRLF</c> (RFC 9112 section 3).</summary>
    public static bool TryParseRequestLine(ReadOnlySpan<byte> head, out (int Start, int Length) method, out (int Start, int Length) target, out int versionMajor, out int versionMinor, out int fieldsStart)
    {
        method = default;
        target = default;
        versionMajor = versionMinor = 0;
        fieldsStart = 0;
        int lineLength = head.IndexOf(CrLf);
        if (lineLength < 0)
        {
            return false;
        }

        ReadOnlySpan<byte> line = head.Slice(0, lineLength);
        int firstSpace = line.IndexOf((byte)' ');
        if (firstSpace <= 0 || !HttpAscii.IsToken(line.Slice(0, firstSpace)))
        {
            return false;
        }

        ReadOnlySpan<byte> rest = line.Slice(firstSpace + 1);
        int secondSpace = rest.IndexOf((byte)' ');
        if (secondSpace <= 0)
        {
            return false;
        }

        ReadOnlySpan<byte> targetBytes = rest.Slice(0, secondSpace);
        foreach (byte b in targetBytes)
        {
            // Visible ASCII only: a request target is percent-encoded (RFC 3986).
            if (b <= 0x20 || b >= 0x7F)
            {
                return false;
            }
        }

        if (!TryParseVersion(rest.Slice(secondSpace + 1), out versionMajor, out versionMinor))
        {
            return false;
        }

        method = (0, firstSpace);
        target = (firstSpace + 1, secondSpace);
        fieldsStart = lineLength + 2;
        return true;
    }

    /// <summary>Parses <c>HTTP/DIGIT.DIGIT</c> (RFC 9112 section 2.3).</summary>
    public static bool TryParseVersion(ReadOnlySpan<byte> version, out int major, out int minor)
    {
        major = minor = 0;
        if (version.Length != 8 || !version.StartsWith("HTTP/"u8) || version[6] != (byte)'.')
        {
            return false;
        }

        major = version[5] - '0';
        minor = version[7] - '0';
        return (uint)major <= 9 && (uint)minor <= 9;
    }
}
