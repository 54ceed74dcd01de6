using System;
using System.Collections.Generic;
using WebSocketProtocol.Extensions;

namespace WebSocketProtocol.Handshake;

/// <summary>What a server handshake produced. A small struct: an accepted handshake allocates nothing to report it.</summary>
public readonly struct ServerHandshakeResult
{
    internal ServerHandshakeResult(HandshakeOutcome outcome, HandshakeError error, string? subprotocol, HttpRequestInfo? request, WebSocketExtension[]? extensions, int acceptedStatus = 101)
    {
        _extensions = extensions;
        _acceptedStatus = acceptedStatus;
        Outcome = outcome;
        Error = error;
        SubProtocol = subprotocol;
        Request = request;
    }

    private readonly WebSocketExtension[]? _extensions;
    private readonly int _acceptedStatus;

    /// <summary>Accepted, rejected, or a plain HTTP request.</summary>
    public HandshakeOutcome Outcome { get; }

    /// <summary>Why it was rejected; <see cref="HandshakeError.None"/> otherwise.</summary>
    public HandshakeError Error { get; }

    /// <summary>
    /// The HTTP status of the response (101 when accepted; 200 for an accepted extended CONNECT over HTTP/2 or HTTP/3), or 0
    /// for a plain request the application answers.
    /// </summary>
    public int StatusCode => Outcome switch
    {
        HandshakeOutcome.NotWebSocket => 0,
        HandshakeOutcome.Accepted => _acceptedStatus == 0 ? 101 : _acceptedStatus,
        _ => Error.ToStatusCode(),
    };

    /// <summary>The chosen subprotocol (one of the server's own strings), or <see langword="null"/>.</summary>
    public string? SubProtocol { get; }

    /// <summary>The extensions agreed, in the order of the response header; the connection owns and disposes them.</summary>
    public IReadOnlyList<WebSocketExtension> Extensions => _extensions ?? Array.Empty<WebSocketExtension>();

    /// <summary>For <see cref="HandshakeOutcome.NotWebSocket"/>: the plain request, for the application to answer.</summary>
    public HttpRequestInfo? Request { get; }
}
