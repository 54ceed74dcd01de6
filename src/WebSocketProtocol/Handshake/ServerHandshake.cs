using System;
using System.Buffers;
using System.Collections.Generic;
using WebSocketProtocol.Extensions;

namespace WebSocketProtocol.Handshake;

/// <summary>
/// The server's opening handshake as a pure function (RFC 6455 section 4.2): a complete request head in, a response written
/// to a buffer and a result out. No I/O; <see cref="HandshakeNegotiator"/> runs it over pipes.
/// </summary>
public static class ServerHandshake
{
    private const int StackallocFieldLimit = 128;

    /// <summary>
    /// Validates <paramref name="head"/> (a whole request head, ending with its empty line) against RFC 6455 and
    /// <paramref name="options"/>, and writes the 101 or the error response into <paramref name="response"/>.
    /// A plain HTTP request gets no response: it comes back as <see cref="HandshakeOutcome.NotWebSocket"/>.
    /// </summary>
    /// <param name="head">The request head.</param>
    /// <param name="options">The server's policy.</param>
    /// <param name="response">Where the response is written (not flushed).</param>
    public static ServerHandshakeResult Negotiate(ReadOnlySpan<byte> head, WebSocketServerOptions options, IBufferWriter<byte> response)
    {
        if (options is null)
        {
            throw new ArgumentNullException(nameof(options));
        }

        if (response is null)
        {
            throw new ArgumentNullException(nameof(response));
        }

        int maxFields = Math.Max(options.MaxHeaderCount, 0);
        HeaderField[]? rented = null;
        Span<HeaderField> fields = maxFields <= StackallocFieldLimit
            ? stackalloc HeaderField[StackallocFieldLimit]
            : (rented = ArrayPool<HeaderField>.Shared.Rent(maxFields));
        try
        {
            ServerHandshakeResult result = Negotiate(head, fields.Slice(0, maxFields), options, response);
            if (result.Outcome == HandshakeOutcome.Rejected)
            {
                HttpResponseWriter.WriteError(response, result.Error);
            }

            return result;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<HeaderField>.Shared.Return(rented);
            }
        }
    }

    internal static ServerHandshakeResult Reject(HandshakeError error) => new(HandshakeOutcome.Rejected, error, null, null, null);

    private static ServerHandshakeResult Negotiate(ReadOnlySpan<byte> head, Span<HeaderField> fieldStorage, WebSocketServerOptions options, IBufferWriter<byte> response)
    {
        if (head.Length > options.MaxHeadLength)
        {
            return Reject(HandshakeError.HeadTooLarge);
        }

        if (!HttpHeadParser.TryParseRequestLine(head, out var method, out var target, out int major, out int minor, out int fieldsStart))
        {
            return Reject(HandshakeError.MalformedRequest);
        }

        if (fieldsStart - 2 > options.MaxRequestLineLength)
        {
            return Reject(HandshakeError.RequestLineTooLong);
        }

        // One more slot than allowed tells "too many" apart from "exactly the limit".
        int fieldCount = HttpHeadParser.ParseFields(head, fieldsStart, fieldStorage);
        if (fieldCount < 0)
        {
            return fieldStorage.Length > 0 && CountLines(head, fieldsStart) > fieldStorage.Length
                ? Reject(HandshakeError.TooManyHeaders)
                : Reject(HandshakeError.MalformedRequest);
        }

        var request = new HandshakeRequest(head, fieldStorage.Slice(0, fieldCount), method, target, major, minor, null);
        HandshakeHeaderIndex index = HandshakeHeaderIndex.Build(request);
        if (!IsUpgradeAttempt(request, index))
        {
            return new ServerHandshakeResult(HandshakeOutcome.NotWebSocket, HandshakeError.None, null, ToRequestInfo(request), null);
        }

        HandshakeError error = Validate(request, index, options);
        if (error != HandshakeError.None)
        {
            return Reject(error);
        }

        string? subprotocol = SelectSubprotocol(request, options.SubprotocolList);
        request = new HandshakeRequest(head, fieldStorage.Slice(0, fieldCount), method, target, major, minor, subprotocol);
        PooledBufferWriter extensionHeader = PooledBufferWriter.Rent();
        try
        {
            if (!ExtensionNegotiation.TryNegotiate(request, options.ExtensionList, extensionHeader, out WebSocketExtension[] extensions))
            {
                return Reject(HandshakeError.InvalidExtensions);
            }

            if (options.RequestFilter is { } filter && !filter(request))
            {
                ExtensionNegotiation.DisposeAll(extensions);
                return Reject(HandshakeError.RejectedByApplication);
            }

            ReadOnlySpan<byte> key = request.GetHeaderValue(index.Key.First);
            Span<byte> accept = stackalloc byte[WebSocketAccept.AcceptLength];
            WebSocketAccept.ComputeAccept(key, accept);
            HttpResponseWriter.WriteSwitchingProtocols(response, accept, subprotocol, extensionHeader.WrittenSpan);
            return new ServerHandshakeResult(HandshakeOutcome.Accepted, HandshakeError.None, subprotocol, null, extensions);
        }
        finally
        {
            extensionHeader.Dispose();
        }
    }

    /// <summary>A request is an upgrade attempt when it asks for websocket or carries any Sec-WebSocket-Key/Version; anything else is plain HTTP.</summary>
    private static bool IsUpgradeAttempt(HandshakeRequest request, HandshakeHeaderIndex index) =>
        HandshakeHeaderIndex.ContainsToken(request, index.Upgrade, "Upgrade"u8, "websocket"u8)
        || index.Key.Count != 0
        || index.Version.Count != 0;

    /// <summary>The checks of RFC 6455 section 4.2.1, then the origin policy of section 10.2.</summary>
    private static HandshakeError Validate(HandshakeRequest request, HandshakeHeaderIndex index, WebSocketServerOptions options)
    {
        if (!request.Method.SequenceEqual("GET"u8))
        {
            return HandshakeError.MethodNotAllowed;
        }

        if (request.VersionMajor < 1 || (request.VersionMajor == 1 && request.VersionMinor < 1))
        {
            return HandshakeError.HttpVersionTooOld;
        }

        ReadOnlySpan<byte> host = index.Host.Count == 1 ? request.GetHeaderValue(index.Host.First) : default;
        if (host.IsEmpty)
        {
            return HandshakeError.InvalidHost;
        }

        if (!HandshakeHeaderIndex.ContainsToken(request, index.Upgrade, "Upgrade"u8, "websocket"u8))
        {
            return HandshakeError.MissingUpgradeWebSocket;
        }

        if (!HandshakeHeaderIndex.ContainsToken(request, index.Connection, "Connection"u8, "Upgrade"u8))
        {
            return HandshakeError.MissingConnectionUpgrade;
        }

        if (index.Version.Count == 0)
        {
            return HandshakeError.MissingVersion;
        }

        if (index.Version.Count != 1 || !request.GetHeaderValue(index.Version.First).SequenceEqual("13"u8))
        {
            return HandshakeError.UnsupportedVersion;
        }

        if (index.Key.Count != 1 || !WebSocketAccept.IsValidKey(request.GetHeaderValue(index.Key.First)))
        {
            return HandshakeError.InvalidKey;
        }

        return IsOriginAllowed(request, index.Origin, host, options) ? HandshakeError.None : HandshakeError.OriginNotAllowed;
    }

    private static bool IsOriginAllowed(HandshakeRequest request, HeaderSlot originSlot, ReadOnlySpan<byte> host, WebSocketServerOptions options)
    {
        if (options.OriginPolicy == OriginPolicy.Any || originSlot.Count == 0)
        {
            return true;
        }

        // Origin is one serialized origin (RFC 6454 section 7); a list of several is never allowed.
        if (originSlot.Count != 1)
        {
            return false;
        }

        ReadOnlySpan<byte> origin = request.GetHeaderValue(originSlot.First);

        foreach (string allowed in options.AllowedOriginList)
        {
            if (HttpAscii.EqualsIgnoreCase(origin, allowed))
            {
                return true;
            }
        }

        if (options.OriginPolicy != OriginPolicy.SameOrigin)
        {
            return false;
        }

        // Schemes compare case-insensitively (RFC 3986 section 3.1).
        ReadOnlySpan<byte> authority =
            origin.Length > 7 && HttpAscii.EqualsIgnoreCase(origin.Slice(0, 7), "http://"u8) ? origin.Slice(7)
            : origin.Length > 8 && HttpAscii.EqualsIgnoreCase(origin.Slice(0, 8), "https://"u8) ? origin.Slice(8)
            : default;
        return !authority.IsEmpty && HttpAscii.EqualsIgnoreCase(authority, host);
    }

    /// <summary>The server's most preferred subprotocol among those the client offered (RFC 6455 section 4.2.2, item 5.4).</summary>
    private static string? SelectSubprotocol(HandshakeRequest request, List<string> supported)
    {
        if (supported.Count == 0)
        {
            return null;
        }

        foreach (string candidate in supported)
        {
            if (!HttpAscii.IsToken(candidate))
            {
                // The name goes into a response header verbatim: anything but a token could inject a header.
                ThrowHelper.ThrowInvalidOperation($"The configured subprotocol '{candidate}' is not an HTTP token.");
            }

            for (int i = request.IndexOf("Sec-WebSocket-Protocol"u8, 0); i >= 0; i = request.IndexOf("Sec-WebSocket-Protocol"u8, i + 1))
            {
                foreach (ReadOnlySpan<byte> offered in new HttpTokenList(request.GetHeaderValue(i)))
                {
                    // Subprotocol names are case-sensitive tokens (RFC 6455 section 11.3.4).
                    if (SameBytes(offered, candidate))
                    {
                        return candidate;
                    }
                }
            }
        }

        return null;
    }


    private static bool SameBytes(ReadOnlySpan<byte> bytes, string text)
    {
        if (bytes.Length != text.Length)
        {
            return false;
        }

        for (int i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] != text[i])
            {
                return false;
            }
        }

        return true;
    }

    private static int CountLines(ReadOnlySpan<byte> head, int start)
    {
        int count = 0;
        ReadOnlySpan<byte> rest = head.Slice(start);
        for (int index = rest.IndexOf((byte)'\n'); index >= 0; index = rest.IndexOf((byte)'\n'))
        {
            count++;
            rest = rest.Slice(index + 1);
        }

        return count - 1;
    }

    private static HttpRequestInfo ToRequestInfo(HandshakeRequest request)
    {
        var headers = new List<KeyValuePair<string, string>>(request.HeaderCount);
        for (int i = 0; i < request.HeaderCount; i++)
        {
            headers.Add(new KeyValuePair<string, string>(HttpAscii.GetString(request.GetHeaderName(i)), HttpAscii.GetString(request.GetHeaderValue(i))));
        }

        string version = $"HTTP/{request.VersionMajor}.{request.VersionMinor}";
        return new HttpRequestInfo(HttpAscii.GetString(request.Method), request.GetTargetString(), version, headers);
    }
}
