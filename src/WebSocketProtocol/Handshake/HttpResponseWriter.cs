using System;
using System.Buffers;

namespace WebSocketProtocol.Handshake;

/// <summary>Writes HTTP/1.1 response heads from byte literals straight into the output, with no strings.</summary>
internal static class HttpResponseWriter
{
    public static void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        Span<byte> span = output.GetSpan(bytes.Length);
        bytes.CopyTo(span);
        output.Advance(bytes.Length);
    }

    /// <summary>Writes ASCII text from a string the server configured (a subprotocol), validated as a token beforehand.</summary>
    public static void WriteAscii(IBufferWriter<byte> output, string text)
    {
        Span<byte> span = output.GetSpan(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            span[i] = (byte)text[i];
        }

        output.Advance(text.Length);
    }

    public static void WriteSwitchingProtocols(IBufferWriter<byte> output, ReadOnlySpan<byte> accept, string? subprotocol, ReadOnlySpan<byte> extensions)
    {
        Write(output, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "u8);
        Write(output, accept);
        if (subprotocol is not null)
        {
            Write(output, "\r\nSec-WebSocket-Protocol: "u8);
            WriteAscii(output, subprotocol);
        }

        if (!extensions.IsEmpty)
        {
            Write(output, "\r\nSec-WebSocket-Extensions: "u8);
            Write(output, extensions);
        }

        Write(output, "\r\n\r\n"u8);
    }

    /// <summary>A complete error response that tells the client why, then closes (RFC 6455 section 4.2.1: "an HTTP response that has an appropriate error code").</summary>
    public static void WriteError(IBufferWriter<byte> output, HandshakeError error)
    {
        ReadOnlySpan<byte> body = Describe(error);
        Write(output, StatusLine(error.ToStatusCode()));
        // A 426 names the protocol to switch to (RFC 9110 section 15.5.22), and Upgrade is a connection option (section 7.8).
        Write(output, error.ToStatusCode() == 426 ? "Connection: Upgrade, close\r\nUpgrade: websocket\r\n"u8 : "Connection: close\r\n"u8);
        Write(output, "Content-Type: text/plain; charset=utf-8\r\n"u8);
        if (error == HandshakeError.UnsupportedVersion)
        {
            Write(output, "Sec-WebSocket-Version: 13\r\n"u8);
        }
        else if (error == HandshakeError.MethodNotAllowed)
        {
            Write(output, "Allow: GET\r\n"u8);
        }

        Write(output, "Content-Length: "u8);
        Span<byte> digits = output.GetSpan(4);
        int length = body.Length + 1;
        int count = length >= 100 ? 3 : length >= 10 ? 2 : 1;
        for (int i = count - 1; i >= 0; i--, length /= 10)
        {
            digits[i] = (byte)('0' + (length % 10));
        }

        output.Advance(count);
        Write(output, "\r\n\r\n"u8);
        Write(output, body);
        Write(output, "\n"u8);
    }

    private static ReadOnlySpan<byte> StatusLine(int status) => status switch
    {
        403 => "HTTP/1.1 403 Forbidden\r\n"u8,
        404 => "HTTP/1.1 404 Not Found\r\n"u8,
        405 => "HTTP/1.1 405 Method Not Allowed\r\n"u8,
        408 => "HTTP/1.1 408 Request Timeout\r\n"u8,
        426 => "HTTP/1.1 426 Upgrade Required\r\n"u8,
        431 => "HTTP/1.1 431 Request Header Fields Too Large\r\n"u8,
        _ => "HTTP/1.1 400 Bad Request\r\n"u8,
    };

    // Every body is under 100 bytes, which WriteError's digit loop relies on.
    public static ReadOnlySpan<byte> Describe(HandshakeError error) => error switch
    {
        HandshakeError.RequestLineTooLong => "The request line is too long."u8,
        HandshakeError.TooManyHeaders => "The request has too many header fields."u8,
        HandshakeError.HeadTooLarge => "The request head is too large."u8,
        HandshakeError.MethodNotAllowed => "A WebSocket handshake must use GET (CONNECT over HTTP/2)."u8,
        HandshakeError.HttpVersionTooOld => "A WebSocket handshake needs HTTP/1.1 or later."u8,
        HandshakeError.InvalidHost => "The Host header is missing or repeated."u8,
        HandshakeError.MissingUpgradeWebSocket => "The Upgrade header (:protocol over HTTP/2) must list websocket."u8,
        HandshakeError.MissingConnectionUpgrade => "The Connection header must list Upgrade."u8,
        HandshakeError.InvalidKey => "Sec-WebSocket-Key must be 16 bytes in base64, sent once."u8,
        HandshakeError.MissingVersion => "Sec-WebSocket-Version is missing."u8,
        HandshakeError.UnsupportedVersion => "Only WebSocket version 13 is supported."u8,
        HandshakeError.OriginNotAllowed => "This origin may not open a WebSocket here."u8,
        HandshakeError.RejectedByApplication => "The server refused this WebSocket request."u8,
        HandshakeError.InvalidExtensions => "Sec-WebSocket-Extensions is malformed."u8,
        HandshakeError.Timeout => "The request head did not arrive in time."u8,
        HandshakeError.NotFound => "There is no WebSocket endpoint at this path."u8,
        HandshakeError.UpgradeRequired => "This endpoint speaks only WebSocket: send an upgrade request."u8,
        _ => "The request is not a valid WebSocket handshake."u8,
    };
}
