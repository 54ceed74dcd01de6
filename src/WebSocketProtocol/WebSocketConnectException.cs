using System;
using System.Collections.Generic;

namespace WebSocketProtocol;

/// <summary>
/// A client could not open a WebSocket connection: the name did not resolve, the TCP connection or TLS failed, the server
/// refused the upgrade or answered something RFC 6455 section 4.1 does not allow, or it all took too long.
/// <see cref="Error"/> says which; <see cref="Exception.InnerException"/> holds the platform's exception when there was one.
/// </summary>
public sealed class WebSocketConnectException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="error">What went wrong.</param>
    /// <param name="message">A description naming the rule or the failure.</param>
    /// <param name="statusCode">The HTTP status the server sent, when a status line was read.</param>
    /// <param name="headers">The response's header fields, when a response head was parsed.</param>
    /// <param name="innerException">The platform's exception behind the failure (a <see cref="System.Net.Sockets.SocketException"/>, an <see cref="System.Security.Authentication.AuthenticationException"/>...).</param>
    public WebSocketConnectException(WebSocketConnectError error, string message, int? statusCode = null, IReadOnlyList<KeyValuePair<string, string>>? headers = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Error = error;
        StatusCode = statusCode;
        Headers = headers ?? Array.Empty<KeyValuePair<string, string>>();
    }

    /// <summary>What went wrong.</summary>
    public WebSocketConnectError Error { get; }

    /// <summary>The HTTP status the server answered with (101 when the 101 itself broke a rule), or <see langword="null"/> when no valid status line arrived.</summary>
    public int? StatusCode { get; }

    /// <summary>The response's header fields in order, names as sent (a 401's WWW-Authenticate, a redirect's Location); empty when no response head was parsed.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; }
}
