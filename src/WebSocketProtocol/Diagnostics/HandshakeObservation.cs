using System;
using System.Diagnostics;
using System.Net;
using WebSocketProtocol.Handshake;

namespace WebSocketProtocol.Diagnostics;

/// <summary>
/// One opening handshake as metrics, a trace and the log see it. Made only while someone listens
/// (<see cref="TryStart"/> returns <see langword="null"/> otherwise), so an unobserved handshake allocates nothing for it.
/// The server continues the W3C trace context of the request (<c>traceparent</c>, <c>tracestate</c>); the activity begins
/// at the handshake's first byte, though it is created once the request head, and so its parent, is known.
/// </summary>
internal sealed class HandshakeObservation
{
    /// <summary>The activity's name.</summary>
    public const string ActivityName = "websocket.handshake";

    private readonly WebSocketRole _role;
    private readonly long _startedAt;
    private readonly DateTimeOffset _startTime;
    private readonly bool _tracing;

    private HandshakeObservation(WebSocketRole role, bool tracing)
    {
        _role = role;
        _tracing = tracing;
        _startedAt = Stopwatch.GetTimestamp();
        _startTime = tracing ? DateTimeOffset.UtcNow : default;
    }

    /// <summary>Whether the request's path and trace context are wanted (a trace is being recorded).</summary>
    public bool WantsRequest => _tracing;

    /// <summary>The request's path, once its head was read.</summary>
    public string? Path { get; set; }

    /// <summary>The request's <c>traceparent</c>, if it had one.</summary>
    public string? TraceParent { get; set; }

    /// <summary>The request's <c>tracestate</c>, if it had one.</summary>
    public string? TraceState { get; set; }

    /// <summary>The peer, for the log.</summary>
    public EndPoint? Peer { get; set; }

    /// <summary>An observation when metrics, traces or the log are listened to; <see langword="null"/> otherwise.</summary>
    public static HandshakeObservation? TryStart(WebSocketRole role, EndPoint? peer = null)
    {
        bool tracing = WebSocketTelemetry.ActivitySource.HasListeners();
        if (!tracing && !WebSocketMetrics.HandshakesObserved && !WebSocketEventSource.Log.IsEnabled())
        {
            return null;
        }

        return new HandshakeObservation(role, tracing) { Peer = peer };
    }

    /// <summary>A server handshake ended with <paramref name="result"/>.</summary>
    public void Complete(in ServerHandshakeResult result)
    {
        string outcome = result.Outcome switch
        {
            HandshakeOutcome.Accepted => "accepted",
            HandshakeOutcome.NotWebSocket => "not_websocket",
            _ => "rejected",
        };
        int status = result.StatusCode;
        WebSocketMetrics.HandshakeCompleted(_role, outcome, status, _startedAt);
        if (result.Outcome == HandshakeOutcome.Rejected)
        {
            WebSocketEventSource.Log.HandshakeRefused(WebSocketTelemetry.RoleName(_role), status, result.Error.ToString(), Peer?.ToString() ?? string.Empty);
        }

        if (_tracing)
        {
            Trace(outcome, status, result.SubProtocol, ExtensionNames(result), result.Outcome == HandshakeOutcome.Rejected ? result.Error.ToString() : null);
        }
    }

    private void Trace(string outcome, int status, string? subProtocol, string? extensions, string? error)
    {
        ActivityContext parent = default;
        if (TraceParent is not null)
        {
            // A malformed traceparent is ignored (W3C Trace Context section 3.2.2.2: start a new trace).
            ActivityContext.TryParse(TraceParent, TraceState, out parent);
        }

        using Activity? activity = WebSocketTelemetry.ActivitySource.StartActivity(
            ActivityName, _role == WebSocketRole.Server ? ActivityKind.Server : ActivityKind.Client, parent, startTime: _startTime);
        if (activity is null)
        {
            return;
        }

        activity.SetTag(WebSocketMetrics.RoleTag, WebSocketTelemetry.RoleName(_role));
        activity.SetTag("url.path", Path);
        activity.SetTag(WebSocketMetrics.OutcomeTag, outcome);
        if (status != 0)
        {
            activity.SetTag(WebSocketMetrics.StatusTag, status);
        }

        activity.SetTag("websocket.subprotocol", subProtocol);
        activity.SetTag("websocket.extensions", extensions);
        if (error is not null)
        {
            activity.SetTag(WebSocketMetrics.ErrorTag, error);
            activity.SetStatus(ActivityStatusCode.Error);
        }
    }

    private static string? ExtensionNames(in ServerHandshakeResult result)
    {
        if (result.Extensions.Count == 0)
        {
            return null;
        }

        string[] names = new string[result.Extensions.Count];
        for (int i = 0; i < names.Length; i++)
        {
            names[i] = result.Extensions[i].Name;
        }

        return string.Join(", ", names);
    }
}
