using System;
using System.Buffers;
using System.Collections.Generic;
using WebSocketProtocol.Extensions;

namespace WebSocketProtocol.Handshake;

/// <summary>
/// The server's opening handshake as a pure function (RFC 6455 section 4.2): a complete request head in, a response written
/// to a buffer and a result out; or a request another HTTP server parsed in, the response's header fields and a result out.
/// No I/O; <see cref="HandshakeNegotiator"/> runs it over pipes.
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

    /// <summary>
    /// The same handshake for a request another HTTP server already parsed and answers itself (ASP.NET Core, for one):
    /// an upgrade (RFC 6455 section 4.2.1) when <see cref="HttpRequestInfo.Version"/> is HTTP/1.1, an extended CONNECT
    /// (RFC 8441 section 4, RFC 9220 section 3) from HTTP/2 on. Adds the response's header fields to
    /// <paramref name="responseHeaders"/> for the caller to send with <see cref="ServerHandshakeResult.StatusCode"/>
    /// (101, or 200 for an extended CONNECT, when accepted) and, when rejected, a body such as
    /// <see cref="HandshakeErrorExtensions.GetDescription"/>. A plain HTTP request adds nothing: it comes back as
    /// <see cref="HandshakeOutcome.NotWebSocket"/> with <paramref name="request"/> as its <see cref="ServerHandshakeResult.Request"/>.
    /// </summary>
    /// <param name="request">
    /// The request as the server received it, every header field included (the filter of
    /// <see cref="WebSocketServerOptions.RequestFilter"/> sees them); from HTTP/2 on, with the <c>:protocol</c> pseudo-header
    /// field, and <c>:authority</c> when the server did not turn it into Host.
    /// </param>
    /// <param name="options">The server's policy. Its limits apply to the request as if it were an HTTP/1.1 head; <see cref="WebSocketServerOptions.HandshakeTimeout"/> does not apply.</param>
    /// <param name="responseHeaders">Where the response's header fields are added, names as the RFCs spell them.</param>
    public static ServerHandshakeResult Negotiate(HttpRequestInfo request, WebSocketServerOptions options, ICollection<KeyValuePair<string, string>> responseHeaders)
    {
        if (request is null)
        {
            throw new ArgumentNullException(nameof(request));
        }

        if (options is null)
        {
            throw new ArgumentNullException(nameof(options));
        }

        if (responseHeaders is null)
        {
            throw new ArgumentNullException(nameof(responseHeaders));
        }

        HandshakeError layoutError = ParsedRequestHead.TryCreate(request, options, out ParsedRequestHead head);
        if (layoutError != HandshakeError.None)
        {
            return RejectWithHeaders(layoutError, HandshakeForm.Upgrade, responseHeaders);
        }

        try
        {
            HandshakeForm form = head.Form;
            HandshakeRequest view = head.View(null);
            HandshakeHeaderIndex index = HandshakeHeaderIndex.Build(view);
            if (!ServerHandshakeRules.IsUpgradeAttempt(view, index, form))
            {
                return new ServerHandshakeResult(HandshakeOutcome.NotWebSocket, HandshakeError.None, null, request, null);
            }

            HandshakeError error = ServerHandshakeRules.Validate(view, index, form, options);
            if (error != HandshakeError.None)
            {
                return RejectWithHeaders(error, form, responseHeaders);
            }

            PooledBufferWriter extensionHeader = PooledBufferWriter.Rent();
            try
            {
                error = Agree(ref view, options, extensionHeader, out WebSocketExtension[] extensions);
                if (error != HandshakeError.None)
                {
                    return RejectWithHeaders(error, form, responseHeaders);
                }

                if (form == HandshakeForm.Upgrade)
                {
                    Span<byte> accept = stackalloc byte[WebSocketAccept.AcceptLength];
                    WebSocketAccept.ComputeAccept(view.GetHeaderValue(index.Key.First), accept);
                    responseHeaders.Add(new KeyValuePair<string, string>("Upgrade", "websocket"));
                    responseHeaders.Add(new KeyValuePair<string, string>("Connection", "Upgrade"));
                    responseHeaders.Add(new KeyValuePair<string, string>("Sec-WebSocket-Accept", HttpAscii.GetString(accept)));
                }

                if (view.SelectedSubProtocol is { } subprotocol)
                {
                    responseHeaders.Add(new KeyValuePair<string, string>("Sec-WebSocket-Protocol", subprotocol));
                }

                if (extensionHeader.WrittenCount != 0)
                {
                    responseHeaders.Add(new KeyValuePair<string, string>("Sec-WebSocket-Extensions", HttpAscii.GetString(extensionHeader.WrittenSpan)));
                }

                // RFC 8441 section 5: an extended CONNECT is accepted with any 2xx; 200 is the plain one.
                int status = form == HandshakeForm.Upgrade ? 101 : 200;
                return new ServerHandshakeResult(HandshakeOutcome.Accepted, HandshakeError.None, view.SelectedSubProtocol, null, extensions, status);
            }
            finally
            {
                extensionHeader.Dispose();
            }
        }
        finally
        {
            head.Dispose();
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

        // A head read off the wire is HTTP/1.x: the upgrade is its only form.
        var request = new HandshakeRequest(head, fieldStorage.Slice(0, fieldCount), method, target, major, minor, null);
        HandshakeHeaderIndex index = HandshakeHeaderIndex.Build(request);
        if (!ServerHandshakeRules.IsUpgradeAttempt(request, index, HandshakeForm.Upgrade))
        {
            return new ServerHandshakeResult(HandshakeOutcome.NotWebSocket, HandshakeError.None, null, ToRequestInfo(request), null);
        }

        HandshakeError error = ServerHandshakeRules.Validate(request, index, HandshakeForm.Upgrade, options);
        if (error != HandshakeError.None)
        {
            return Reject(error);
        }

        PooledBufferWriter extensionHeader = PooledBufferWriter.Rent();
        try
        {
            error = Agree(ref request, options, extensionHeader, out WebSocketExtension[] extensions);
            if (error != HandshakeError.None)
            {
                return Reject(error);
            }

            ReadOnlySpan<byte> key = request.GetHeaderValue(index.Key.First);
            Span<byte> accept = stackalloc byte[WebSocketAccept.AcceptLength];
            WebSocketAccept.ComputeAccept(key, accept);
            HttpResponseWriter.WriteSwitchingProtocols(response, accept, request.SelectedSubProtocol, extensionHeader.WrittenSpan);
            return new ServerHandshakeResult(HandshakeOutcome.Accepted, HandshakeError.None, request.SelectedSubProtocol, null, extensions);
        }
        finally
        {
            extensionHeader.Dispose();
        }
    }

    /// <summary>
    /// What the server agrees to once the request passed the checks: the subprotocol, then the extensions (written into
    /// <paramref name="extensionHeader"/>), then the application's filter, which sees both.
    /// </summary>
    private static HandshakeError Agree(ref HandshakeRequest request, WebSocketServerOptions options, PooledBufferWriter extensionHeader, out WebSocketExtension[] extensions)
    {
        request = request.WithSelectedSubProtocol(ServerHandshakeRules.SelectSubProtocol(request, options.SubProtocolList));
        if (!ExtensionNegotiation.TryNegotiate(request, options.ExtensionList, extensionHeader, out extensions))
        {
            return HandshakeError.InvalidExtensions;
        }

        if (options.RequestFilter is { } filter && !filter(request))
        {
            ExtensionNegotiation.DisposeAll(extensions);
            extensions = Array.Empty<WebSocketExtension>();
            return HandshakeError.RejectedByApplication;
        }

        return HandshakeError.None;
    }

    /// <summary>The header fields an error response needs besides its status (RFC 6455 section 4.2.2; RFC 9110 section 15.5.6).</summary>
    private static ServerHandshakeResult RejectWithHeaders(HandshakeError error, HandshakeForm form, ICollection<KeyValuePair<string, string>> responseHeaders)
    {
        if (error == HandshakeError.UnsupportedVersion)
        {
            responseHeaders.Add(new KeyValuePair<string, string>("Sec-WebSocket-Version", "13"));
        }
        else if (error == HandshakeError.MethodNotAllowed)
        {
            responseHeaders.Add(new KeyValuePair<string, string>("Allow", form == HandshakeForm.Upgrade ? "GET" : "CONNECT"));
        }

        return Reject(error);
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
