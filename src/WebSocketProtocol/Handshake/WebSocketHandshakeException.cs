using System;
using System.Collections.Generic;

namespace WebSocketProtocol.Handshake;

/// <summary>A client's handshake failed: the server refused (a status other than 101) or answered something invalid.</summary>
public sealed class WebSocketHandshakeException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="error">What went wrong.</param>
    /// <param name="message">A description naming the rule.</param>
    /// <param name="statusCode">The HTTP status received, or 0 when none was.</param>
    /// <param name="headers">The response's header fields, when a response was received.</param>
    public WebSocketHandshakeException(HandshakeError error, string message, int statusCode = 0, IReadOnlyList<KeyValuePair<string, string>>? headers = null)
        : base(message)
    {
        Error = error;
        StatusCode = statusCode;
        Headers = headers ?? Array.Empty<KeyValuePair<string, string>>();
    }

    /// <summary>What went wrong.</summary>
    public HandshakeError Error { get; }

    /// <summary>The HTTP status the server sent, or 0 when no valid status line arrived.</summary>
    public int StatusCode { get; }

    /// <summary>The response's header fields in order, names as sent; empty when no response head was parsed.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; }
}
