using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using WebSocketProtocol.Extensions;

namespace WebSocketProtocol.Handshake;

/// <summary>
/// The client's opening handshake as pure functions (RFC 6455 section 4.1): write the request, then check the response.
/// No I/O; <see cref="HandshakeNegotiator.ConnectAsync"/> runs them over pipes.
/// </summary>
public static class ClientHandshake
{
    /// <summary>
    /// Writes the upgrade request for <paramref name="uri"/> (a <c>ws://</c> or <c>wss://</c> URI) into <paramref name="output"/>,
    /// with a fresh random key that is also copied to <paramref name="key"/> for <see cref="ValidateResponse"/>.
    /// </summary>
    /// <param name="output">Where the request is written (not flushed).</param>
    /// <param name="uri">The WebSocket URI: host, port, path and query are taken from it.</param>
    /// <param name="options">SubProtocols, Origin and extra headers.</param>
    /// <param name="key">At least <see cref="WebSocketAccept.KeyLength"/> bytes; receives the key sent.</param>
    public static void WriteRequest(IBufferWriter<byte> output, Uri uri, WebSocketClientOptions options, Span<byte> key)
    {
        if (output is null)
        {
            throw new ArgumentNullException(nameof(output));
        }

        ValidateUri(uri);
        if (options is null)
        {
            throw new ArgumentNullException(nameof(options));
        }

        WebSocketAccept.GenerateKey(key);
        WriteText(output, "GET ");
        WriteText(output, string.IsNullOrEmpty(uri.PathAndQuery) ? "/" : uri.PathAndQuery);
        WriteText(output, " HTTP/1.1\r\nHost: ");
        WriteText(output, HostHeader(uri));
        WriteText(output, "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ");
        HttpResponseWriter.Write(output, key.Slice(0, WebSocketAccept.KeyLength));
        WriteText(output, "\r\nSec-WebSocket-Version: 13\r\n");
        if (options.Origin is { } origin)
        {
            WriteHeader(output, "Origin", origin);
        }

        if (options.SubProtocolList.Count > 0)
        {
            foreach (string subprotocol in options.SubProtocolList)
            {
                if (!HttpAscii.IsToken(subprotocol))
                {
                    throw new ArgumentException($"The subprotocol '{subprotocol}' is not an HTTP token.", nameof(options));
                }
            }

            WriteHeader(output, "Sec-WebSocket-Protocol", string.Join(", ", options.SubProtocolList));
        }

        ExtensionNegotiation.WriteOffer(output, options.ExtensionList);
        foreach (KeyValuePair<string, string> header in options.HeaderList)
        {
            WriteHeader(output, header.Key, header.Value);
        }

        WriteText(output, "\r\n");
    }

    /// <summary>
    /// Checks a complete response head against the request (RFC 6455 section 4.1, the client's checks 1-6) and returns what
    /// the server agreed to; otherwise throws <see cref="WebSocketConnectException"/> with the rule broken, and the status
    /// and headers when they were read.
    /// </summary>
    /// <param name="head">The response head, ending with its empty line.</param>
    /// <param name="key">The key the request carried.</param>
    /// <param name="options">The options the request was written with.</param>
    public static ClientHandshakeResult ValidateResponse(ReadOnlySpan<byte> head, ReadOnlySpan<byte> key, WebSocketClientOptions options)
    {
        if (options is null)
        {
            throw new ArgumentNullException(nameof(options));
        }

        if (!TryParseStatusLine(head, out int status, out int fieldsStart))
        {
            throw Invalid(WebSocketConnectError.MalformedResponse, "The response does not start with a valid HTTP/1.1 status line.", null, null);
        }

        var fields = new HeaderField[Math.Max(options.MaxResponseHeaderCount, 0)];
        int count = HttpHeadParser.ParseFields(head, fieldsStart, fields);
        if (count < 0)
        {
            throw Invalid(WebSocketConnectError.MalformedResponse, "The response head is malformed or has too many header fields.", status, null);
        }

        var response = new HandshakeRequest(head, fields.AsSpan(0, count), default, default, 1, 1, null);
        List<KeyValuePair<string, string>> headers = ToList(response);
        if (status != 101)
        {
            throw Invalid(WebSocketConnectError.HandshakeRefused, $"The server answered {status} instead of 101 Switching Protocols.", status, headers);
        }

        if (!response.HeaderContainsToken("Upgrade"u8, "websocket"u8))
        {
            throw Invalid(WebSocketConnectError.MissingUpgrade, "The response's Upgrade header does not list websocket.", status, headers);
        }

        if (!response.HeaderContainsToken("Connection"u8, "Upgrade"u8))
        {
            throw Invalid(WebSocketConnectError.MissingConnectionUpgrade, "The response's Connection header does not list Upgrade.", status, headers);
        }

        Span<byte> expected = stackalloc byte[WebSocketAccept.AcceptLength];
        WebSocketAccept.ComputeAccept(key, expected);
        if (response.CountHeader("Sec-WebSocket-Accept"u8) != 1
            || !response.TryGetHeader("Sec-WebSocket-Accept"u8, out ReadOnlySpan<byte> accept)
            || !accept.SequenceEqual(expected))
        {
            throw Invalid(WebSocketConnectError.InvalidAccept, "Sec-WebSocket-Accept is missing, repeated or wrong for the key sent.", status, headers);
        }

        string? subprotocol = null;
        if (response.TryGetHeader("Sec-WebSocket-Protocol"u8, out ReadOnlySpan<byte> chosen))
        {
            subprotocol = response.CountHeader("Sec-WebSocket-Protocol"u8) == 1 ? FindOffered(chosen, options.SubProtocolList) : null;
            if (subprotocol is null)
            {
                throw Invalid(WebSocketConnectError.InvalidSubProtocol, "The server selected a subprotocol the client did not offer, or more than one.", status, headers);
            }
        }

        // Extensions last, so nothing they allocate is lost to a later check.
        string? extensionProblem = ExtensionNegotiation.TryAccept(response, options.ExtensionList, out WebSocketExtension[] extensions);
        if (extensionProblem is not null)
        {
            throw Invalid(WebSocketConnectError.InvalidExtensions, extensionProblem, status, headers);
        }

        return new ClientHandshakeResult(subprotocol, extensions);
    }

    internal static bool TryParseStatusLine(ReadOnlySpan<byte> head, out int status, out int fieldsStart)
    {
        status = 0;
        fieldsStart = 0;
        int lineLength = head.IndexOf("\r\n"u8);
        // HTTP-version SP 3DIGIT SP [reason-phrase] (RFC 9112 section 4).
        if (lineLength < 12 || head[8] != (byte)' ' || (lineLength > 12 && head[12] != (byte)' ')
            || !HttpHeadParser.TryParseVersion(head.Slice(0, 8), out int major, out int minor) || major != 1 || minor < 1)
        {
            return false;
        }

        for (int i = 9; i < 12; i++)
        {
            if ((uint)(head[i] - '0') > 9)
            {
                return false;
            }

            status = (status * 10) + (head[i] - '0');
        }

        fieldsStart = lineLength + 2;
        return true;
    }

    private static string? FindOffered(ReadOnlySpan<byte> chosen, List<string> offered)
    {
        foreach (string candidate in offered)
        {
            if (chosen.Length == candidate.Length && HttpAscii.EqualsIgnoreCase(chosen, candidate) && HttpAscii.GetString(chosen) == candidate)
            {
                return candidate;
            }
        }

        return null;
    }

    private static WebSocketConnectException Invalid(WebSocketConnectError error, string message, int? status, List<KeyValuePair<string, string>>? headers) =>
        new(error, message, status, headers);

    private static List<KeyValuePair<string, string>> ToList(HandshakeRequest response)
    {
        var headers = new List<KeyValuePair<string, string>>(response.HeaderCount);
        for (int i = 0; i < response.HeaderCount; i++)
        {
            headers.Add(new KeyValuePair<string, string>(HttpAscii.GetString(response.GetHeaderName(i)), HttpAscii.GetString(response.GetHeaderValue(i))));
        }

        return headers;
    }

    /// <summary>A WebSocket URI: absolute, <c>ws</c> or <c>wss</c>, without a fragment (RFC 6455 section 3).</summary>
    internal static void ValidateUri(Uri uri)
    {
        if (uri is null)
        {
            throw new ArgumentNullException(nameof(uri));
        }

        if (!uri.IsAbsoluteUri || (uri.Scheme != "ws" && uri.Scheme != "wss"))
        {
            throw new ArgumentException("A WebSocket URI is absolute with the ws or wss scheme (RFC 6455 section 3).", nameof(uri));
        }

        if (uri.Fragment.Length > 0)
        {
            throw new ArgumentException("A WebSocket URI has no fragment (RFC 6455 section 3).", nameof(uri));
        }
    }

    private static string HostHeader(Uri uri)
    {
        string host = uri.HostNameType == UriHostNameType.IPv6 ? "[" + uri.DnsSafeHost + "]" : uri.IdnHost;
        return uri.IsDefaultPort ? host : host + ":" + uri.Port.ToString(CultureInfo.InvariantCulture);
    }

    private static void WriteHeader(IBufferWriter<byte> output, string name, string value)
    {
        if (!HttpAscii.IsToken(name))
        {
            throw new ArgumentException($"The header name '{name}' is not an HTTP token.", nameof(name));
        }

        foreach (char c in value)
        {
            if (c > 0xFF || (c < 0x20 && c != '\t') || c == 0x7F)
            {
                throw new ArgumentException($"The value of header '{name}' contains a character HTTP forbids.", nameof(value));
            }
        }

        WriteText(output, name);
        WriteText(output, ": ");
        WriteText(output, value);
        WriteText(output, "\r\n");
    }


    /// <summary>Writes Latin-1 text (checked by the callers) one byte per char.</summary>
    private static void WriteText(IBufferWriter<byte> output, string text) => HttpResponseWriter.WriteAscii(output, text);
}
