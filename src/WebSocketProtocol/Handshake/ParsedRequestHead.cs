using System;
using System.Buffers;
using System.Collections.Generic;
using System.Text;

namespace WebSocketProtocol.Handshake;

/// <summary>
/// A request head that another HTTP server parsed (an <see cref="HttpRequestInfo"/>), laid out in pooled bytes so the
/// same <see cref="HandshakeRequest"/> view, rules and extension factories apply to it as to a head this library parsed.
/// Checked on the way in: what the other server let through still has to be valid HTTP to reach a header or a filter.
/// </summary>
internal struct ParsedRequestHead : IDisposable
{
    private byte[]? _bytes;
    private HeaderField[]? _fields;
    private int _fieldCount;
    private (int Start, int Length) _method;
    private (int Start, int Length) _target;
    private int _versionMajor;
    private int _versionMinor;

    /// <summary>How the request asks for a WebSocket: an upgrade before HTTP/2, an extended CONNECT from HTTP/2 on.</summary>
    public readonly HandshakeForm Form => _versionMajor >= 2 ? HandshakeForm.ExtendedConnect : HandshakeForm.Upgrade;

    /// <summary>
    /// Lays out <paramref name="info"/>, or returns why it cannot be a valid request: malformed, or past the limits of
    /// <paramref name="options"/> (the same limits a head read off the wire has).
    /// </summary>
    public static HandshakeError TryCreate(HttpRequestInfo info, WebSocketServerOptions options, out ParsedRequestHead head)
    {
        head = default;
        if (!TryParseVersion(info.Version, out int major, out int minor) || !HttpAscii.IsToken(info.Method) || !IsTarget(info.Target))
        {
            return HandshakeError.MalformedRequest;
        }

        IReadOnlyList<KeyValuePair<string, string>> headers = info.Headers;
        if (headers.Count > Math.Max(options.MaxHeaderCount, 0))
        {
            return HandshakeError.TooManyHeaders;
        }

        int targetLength = Encoding.UTF8.GetByteCount(info.Target);
        if (info.Method.Length + targetLength + info.Version.Length + 2 > options.MaxRequestLineLength)
        {
            return HandshakeError.RequestLineTooLong;
        }

        // Counted as the bytes of an HTTP/1.1 head: request line, then "name: value" lines, each with CRLF.
        long headLength = info.Method.Length + targetLength + info.Version.Length + 4 + 2;
        foreach (KeyValuePair<string, string> header in headers)
        {
            if (header.Key is null || header.Value is null)
            {
                return HandshakeError.MalformedRequest;
            }

            headLength += header.Key.Length + 2 + header.Value.Length + 2;
        }

        if (headLength > options.MaxHeadLength)
        {
            return HandshakeError.HeadTooLarge;
        }

        byte[] bytes = ArrayPool<byte>.Shared.Rent((int)headLength);
        HeaderField[] fields = ArrayPool<HeaderField>.Shared.Rent(Math.Max(headers.Count, 1));
        head = new ParsedRequestHead { _bytes = bytes, _fields = fields, _versionMajor = major, _versionMinor = minor };
        int position = WriteAscii(info.Method, bytes, 0);
        head._method = (0, position);
        int targetStart = position;
        position += Encoding.UTF8.GetBytes(info.Target, 0, info.Target.Length, bytes, position);
        head._target = (targetStart, position - targetStart);
        foreach (KeyValuePair<string, string> header in headers)
        {
            int nameStart = position;
            if (!IsFieldName(header.Key, major))
            {
                head.Dispose();
                return HandshakeError.MalformedRequest;
            }

            position = WriteAscii(header.Key, bytes, position);
            int valueStart = position;
            if (!TryWriteValue(header.Value, bytes, ref position))
            {
                head.Dispose();
                return HandshakeError.MalformedRequest;
            }

            // Trimmed of OWS as the HTTP/1.1 parser trims, though servers hand values over trimmed already.
            ReadOnlySpan<byte> value = bytes.AsSpan(valueStart, position - valueStart);
            fields[head._fieldCount++] = new HeaderField(nameStart, header.Key.Length, valueStart + LeadingWhitespace(value), HttpAscii.Trim(value).Length);
        }

        return HandshakeError.None;
    }

    /// <summary>The request as the handshake sees it; valid until <see cref="Dispose"/>.</summary>
    public readonly HandshakeRequest View(string? selectedSubProtocol) =>
        new(_bytes.AsSpan(), _fields.AsSpan(0, _fieldCount), _method, _target, _versionMajor, _versionMinor, selectedSubProtocol);

    public void Dispose()
    {
        if (_bytes is not null)
        {
            ArrayPool<byte>.Shared.Return(_bytes);
            _bytes = null;
        }

        if (_fields is not null)
        {
            ArrayPool<HeaderField>.Shared.Return(_fields);
            _fields = null;
        }
    }

    /// <summary><c>HTTP/1.1</c>, or <c>HTTP/2</c> and <c>HTTP/3</c> as servers name the versions without a minor digit.</summary>
    private static bool TryParseVersion(string version, out int major, out int minor)
    {
        major = minor = 0;
        if (version.Length is not (6 or 8) || !version.StartsWith("HTTP/", StringComparison.Ordinal) || !IsDigit(version[5]))
        {
            return false;
        }

        major = version[5] - '0';
        if (version.Length == 6)
        {
            return true;
        }

        minor = version[7] - '0';
        return version[6] == '.' && IsDigit(version[7]);
    }

    private static bool IsDigit(char c) => c is >= '0' and <= '9';

    /// <summary>No white space or control characters: a target is one token of the request line (RFC 9112 section 3.2).</summary>
    private static bool IsTarget(string target)
    {
        foreach (char c in target)
        {
            if (c <= ' ' || c == '\u007F')
            {
                return false;
            }
        }

        return target.Length > 0;
    }

    /// <summary>A token, or from HTTP/2 on a pseudo-header field such as <c>:protocol</c> (RFC 9113 section 8.3).</summary>
    private static bool IsFieldName(string name, int major)
    {
        int start = major >= 2 && name.Length > 1 && name[0] == ':' ? 1 : 0;
        for (int i = start; i < name.Length; i++)
        {
            if (name[i] > 0x7F || !HttpAscii.IsTokenChar((byte)name[i]))
            {
                return false;
            }
        }

        return name.Length > 0;
    }

    private static int WriteAscii(string text, byte[] destination, int position)
    {
        foreach (char c in text)
        {
            destination[position++] = (byte)c;
        }

        return position;
    }

    /// <summary>Latin-1, as servers decode field values; a character past 0xFF or a control character is malformed.</summary>
    private static bool TryWriteValue(string value, byte[] destination, ref int position)
    {
        foreach (char c in value)
        {
            if (c > 0xFF || !HttpAscii.IsFieldValueChar((byte)c))
            {
                return false;
            }

            destination[position++] = (byte)c;
        }

        return true;
    }

    private static int LeadingWhitespace(ReadOnlySpan<byte> value)
    {
        int count = 0;
        while (count < value.Length && HttpAscii.IsWhitespace(value[count]))
        {
            count++;
        }

        return count;
    }
}
