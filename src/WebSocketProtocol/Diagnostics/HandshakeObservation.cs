using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics;
using System.Net;
using WebSocketProtocol.Extensions;
using WebSocketProtocol.Handshake;

namespace WebSocketProtocol.Diagnostics;

/// <summary>
/// One opening handshake as metrics, a trace and the log see it. Made only while someone listens
/// (<see cref="TryStart"/> returns <see langword="null"/> otherwise), so an unobserved handshake allocates nothing for it.
/// The server continues the W3C trace context of the request (<c>traceparent</c>, <c>tracestate</c>); its activity begins
/// at the handshake's first byte, though it is created once the request head, and so its parent, is known. The client's
/// activity starts at once, as a child of the current one, and its context goes out in the request
/// (<see cref="WriteTraceContext"/>).
/// </summary>
internal sealed class HandshakeObservation
{
    /// <summary>The activity's name.</summary>
    public const string ActivityName = "websocket.handshake";

    private readonly WebSocketRole _role;
    private readonly long _startedAt;
    private readonly DateTimeOffset _startTime;
    private readonly bool _tracing;
    private Activity? _clientActivity;

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

    /// <summary>A client handshake to <paramref name="uri"/> begins: its activity starts now, under the current one.</summary>
    public static HandshakeObservation? TryStartClient(Uri uri)
    {
        HandshakeObservation? observation = TryStart(WebSocketRole.Client);
        if (observation is { _tracing: true })
        {
            observation.Path = uri.AbsolutePath;
            observation._clientActivity = WebSocketTelemetry.ActivitySource.StartActivity(ActivityName, ActivityKind.Client);
            observation._clientActivity?.SetTag("url.full", uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped));
        }

        return observation;
    }

    /// <summary>
    /// Writes the W3C trace context of the handshake's activity (or, while nobody records it, of the current one) into the
    /// request as <c>traceparent</c> and <c>tracestate</c> header lines, so the server's trace continues the client's.
    /// </summary>
    public static void WriteTraceContext(IBufferWriter<byte> output, HandshakeObservation? observation, Action<IBufferWriter<byte>, string, string> writeHeader)
    {
        Activity? activity = observation?._clientActivity ?? Activity.Current;
        if (activity is null || activity.IdFormat != ActivityIdFormat.W3C)
        {
            return;
        }

        writeHeader(output, "traceparent", activity.Id!);
        if (!string.IsNullOrEmpty(activity.TraceStateString))
        {
            writeHeader(output, "tracestate", activity.TraceStateString!);
        }
    }

    /// <summary>A client handshake ended with <paramref name="result"/>.</summary>
    public void Complete(ClientHandshakeResult result) =>
        Finish("accepted", 101, result.SubProtocol, ExtensionNames(result.Extensions), error: null);

    /// <summary>A client handshake failed: refused with <paramref name="status"/> (0: no HTTP status), for <paramref name="error"/>.</summary>
    public void Fail(int status, string error)
    {
        if (status != 0)
        {
            WebSocketEventSource.Log.HandshakeRefused(WebSocketTelemetry.RoleName(_role), status, error, Peer?.ToString() ?? string.Empty);
        }

        Finish(status != 0 ? "rejected" : "failed", status, subProtocol: null, extensions: null, error);
    }

    private void Finish(string outcome, int status, string? subProtocol, string? extensions, string? error)
    {
        WebSocketMetrics.HandshakeCompleted(_role, outcome, status, _startedAt);
        if (_clientActivity is { } activity)
        {
            Tag(activity, outcome, status, subProtocol, extensions, error);
            activity.Stop();
        }
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
            Trace(outcome, status, result.SubProtocol, ExtensionNames(result.Extensions), result.Outcome == HandshakeOutcome.Rejected ? result.Error.ToString() : null);
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
        if (activity is not null)
        {
            Tag(activity, outcome, status, subProtocol, extensions, error);
        }
    }

    private void Tag(Activity activity, string outcome, int status, string? subProtocol, string? extensions, string? error)
    {
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

    private static string? ExtensionNames(IReadOnlyList<WebSocketExtension> extensions)
    {
        if (extensions.Count == 0)
        {
            return null;
        }

        string[] names = new string[extensions.Count];
        for (int i = 0; i < names.Length; i++)
        {
            names[i] = extensions[i].Name;
        }

        return string.Join(", ", names);
    }
}
