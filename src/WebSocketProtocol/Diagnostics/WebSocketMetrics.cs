using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net.WebSockets;

namespace WebSocketProtocol.Diagnostics;

/// <summary>
/// The library's instruments on <see cref="WebSocketTelemetry.Meter"/>, named in the style of ASP.NET Core's
/// (<c>kestrel.active_connections</c>): lower case, dotted, UCUM units, tagged by role. Every method checks the instrument's
/// <c>Enabled</c> flag first, so while no listener is attached a call costs a load and a branch; while one is, tags are
/// strings and pre-boxed numbers, so recording allocates nothing either.
/// </summary>
internal static class WebSocketMetrics
{
    // Tag names.
    public const string RoleTag = "websocket.role";
    public const string MessageTypeTag = "websocket.message.type";
    public const string CloseCodeTag = "websocket.close.code";
    public const string ErrorTag = "error.type";
    public const string OutcomeTag = "websocket.handshake.outcome";
    public const string StatusTag = "http.response.status_code";
    public const string EndTag = "websocket.connection.end";

    private static readonly Meter Meter = WebSocketTelemetry.Meter;

    private static readonly UpDownCounter<long> ActiveConnections = Meter.CreateUpDownCounter<long>(
        "websocket.active_connections", "{connection}", "WebSocket connections open: from the end of the opening handshake to the end of the connection.");

    private static readonly Histogram<double> ConnectionDuration = Meter.CreateHistogram<double>(
        "websocket.connection.duration", "s", "How long WebSocket connections lasted, by how they ended.");

    private static readonly Counter<long> MessagesReceived = Meter.CreateCounter<long>(
        "websocket.messages.received", "{message}", "Whole data messages received.");

    private static readonly Counter<long> MessagesSent = Meter.CreateCounter<long>(
        "websocket.messages.sent", "{message}", "Whole data messages sent.");

    private static readonly Counter<long> BytesReceived = Meter.CreateCounter<long>(
        "websocket.bytes.received", "By", "Payload bytes of the data messages received, as the application reads them (inflated).");

    private static readonly Counter<long> BytesSent = Meter.CreateCounter<long>(
        "websocket.bytes.sent", "By", "Payload bytes of the data messages sent, as the application gave them (before compression).");

    private static readonly Counter<long> CompressedBytesReceived = Meter.CreateCounter<long>(
        "websocket.compressed_bytes.received", "By", "Payload bytes on the wire of the permessage-deflate messages received.");

    private static readonly Counter<long> CompressedBytesSent = Meter.CreateCounter<long>(
        "websocket.compressed_bytes.sent", "By", "Payload bytes on the wire of the permessage-deflate messages sent.");

    private static readonly Counter<long> CloseFramesReceived = Meter.CreateCounter<long>(
        "websocket.close_frames.received", "{frame}", "Close frames received, by their status code (1005: none given).");

    private static readonly Counter<long> CloseFramesSent = Meter.CreateCounter<long>(
        "websocket.close_frames.sent", "{frame}", "Close frames sent, by their status code (1005: none given).");

    private static readonly Counter<long> ProtocolErrors = Meter.CreateCounter<long>(
        "websocket.protocol_errors", "{error}", "Connections failed by the peer breaking a rule of RFC 6455 or RFC 7692, or by a time limit, by the rule and the close code sent.");

    private static readonly Counter<long> Handshakes = Meter.CreateCounter<long>(
        "websocket.handshakes", "{handshake}", "Opening handshakes, by outcome and HTTP status.");

    private static readonly Histogram<double> HandshakeDuration = Meter.CreateHistogram<double>(
        "websocket.handshake.duration", "s", "How long opening handshakes took, from their first byte to their answer.");

    private static readonly Counter<long> KeepAliveTimeouts = Meter.CreateCounter<long>(
        "websocket.keepalive.timeouts", "{timeout}", "Connections failed because a ping got no pong in time.");

    // Boxed once: a tag value is an object, and boxing a number per event would allocate.
    private static readonly object[] BoxedCodes = BoxRange(1000, 1016);
    private static readonly object[] BoxedStatuses = BoxRange(100, 600);
    private static readonly string[] ErrorNames = NameErrors();

    /// <summary>A connection is open (its handshake is done). Returns whether it was counted, for <see cref="ConnectionClosed"/>.</summary>
    public static bool ConnectionOpened(WebSocketRole role)
    {
        if (!ActiveConnections.Enabled)
        {
            return false;
        }

        ActiveConnections.Add(1, Role(role));
        return true;
    }

    /// <summary>A connection has ended: <paramref name="end"/> says how (closed, aborted, failed, lost).</summary>
    public static void ConnectionClosed(WebSocketRole role, bool counted, long openedAt, string end)
    {
        if (counted)
        {
            ActiveConnections.Add(-1, Role(role));
        }

        if (ConnectionDuration.Enabled && openedAt != 0)
        {
            ConnectionDuration.Record(Seconds(openedAt), Role(role), new KeyValuePair<string, object?>(EndTag, end));
        }
    }

    /// <summary>A whole data message arrived, <paramref name="bytes"/> long as read (<paramref name="wireBytes"/> compressed, or -1).</summary>
    public static void MessageReceived(WebSocketRole role, WebSocketMessageType type, long bytes, long wireBytes)
    {
        if (MessagesReceived.Enabled)
        {
            MessagesReceived.Add(1, Role(role), Type(type));
        }

        if (BytesReceived.Enabled)
        {
            BytesReceived.Add(bytes, Role(role), Type(type));
        }

        if (wireBytes >= 0 && CompressedBytesReceived.Enabled)
        {
            CompressedBytesReceived.Add(wireBytes, Role(role));
        }
    }

    /// <summary>A whole data message went out, <paramref name="bytes"/> long as given (<paramref name="wireBytes"/> compressed, or -1).</summary>
    public static void MessageSent(WebSocketRole role, WebSocketMessageType type, long bytes, long wireBytes)
    {
        if (MessagesSent.Enabled)
        {
            MessagesSent.Add(1, Role(role), Type(type));
        }

        if (BytesSent.Enabled)
        {
            BytesSent.Add(bytes, Role(role), Type(type));
        }

        if (wireBytes >= 0 && CompressedBytesSent.Enabled)
        {
            CompressedBytesSent.Add(wireBytes, Role(role));
        }
    }

    /// <summary>The peer's close frame arrived with <paramref name="code"/> (1005 for none).</summary>
    public static void CloseFrameReceived(WebSocketRole role, int code)
    {
        if (CloseFramesReceived.Enabled)
        {
            CloseFramesReceived.Add(1, Role(role), Code(code));
        }
    }

    /// <summary>This side's close frame went out with <paramref name="code"/> (1005 for none).</summary>
    public static void CloseFrameSent(WebSocketRole role, int code)
    {
        if (CloseFramesSent.Enabled)
        {
            CloseFramesSent.Add(1, Role(role), Code(code));
        }
    }

    /// <summary>The connection failed by <paramref name="error"/>, sending <paramref name="closeCode"/> (0 when none could be sent).</summary>
    public static void ProtocolFailure(WebSocketRole role, ProtocolError error, int closeCode)
    {
        if (ProtocolErrors.Enabled)
        {
            ProtocolErrors.Add(1, Role(role), new KeyValuePair<string, object?>(ErrorTag, ErrorName(error)), Code(closeCode));
        }

        if (error == ProtocolError.KeepAliveTimeout && KeepAliveTimeouts.Enabled)
        {
            KeepAliveTimeouts.Add(1, Role(role));
        }
    }

    /// <summary>Whether anyone listens to the handshake instruments (a caller may then skip reading the clock).</summary>
    public static bool HandshakesObserved => Handshakes.Enabled || HandshakeDuration.Enabled;

    /// <summary>An opening handshake ended with <paramref name="outcome"/> and <paramref name="status"/> (0: none sent), begun at <paramref name="startedAt"/>.</summary>
    public static void HandshakeCompleted(WebSocketRole role, string outcome, int status, long startedAt)
    {
        var tags = new TagList { Role(role), new KeyValuePair<string, object?>(OutcomeTag, outcome) };
        if (status != 0)
        {
            tags.Add(new KeyValuePair<string, object?>(StatusTag, Status(status)));
        }

        if (Handshakes.Enabled)
        {
            Handshakes.Add(1, tags);
        }

        if (HandshakeDuration.Enabled && startedAt != 0)
        {
            HandshakeDuration.Record(Seconds(startedAt), tags);
        }
    }

    /// <summary>The name of <paramref name="error"/>, as the <c>error.type</c> tag carries it.</summary>
    public static string ErrorName(ProtocolError error) =>
        (uint)error < (uint)ErrorNames.Length && ErrorNames[(int)error] is { } name ? name : error.ToString();

    private static KeyValuePair<string, object?> Role(WebSocketRole role) => new(RoleTag, WebSocketTelemetry.RoleName(role));

    private static KeyValuePair<string, object?> Type(WebSocketMessageType type) =>
        new(MessageTypeTag, type == WebSocketMessageType.Text ? "text" : "binary");

    private static KeyValuePair<string, object?> Code(int code) =>
        new(CloseCodeTag, code >= 1000 && code < 1016 ? BoxedCodes[code - 1000] : code);

    private static object Status(int status) => status >= 100 && status < 600 ? BoxedStatuses[status - 100] : status;

    private static double Seconds(long since) => (Stopwatch.GetTimestamp() - since) / (double)Stopwatch.Frequency;

    private static string[] NameErrors()
    {
#if NET5_0_OR_GREATER
        ProtocolError[] errors = Enum.GetValues<ProtocolError>();
#else
        var errors = (ProtocolError[])Enum.GetValues(typeof(ProtocolError));
#endif
        int largest = 0;
        foreach (ProtocolError error in errors)
        {
            largest = Math.Max(largest, (int)error);
        }

        var names = new string[largest + 1];
        foreach (ProtocolError error in errors)
        {
            names[(int)error] = error.ToString();
        }

        return names;
    }

    private static object[] BoxRange(int first, int end)
    {
        var boxed = new object[end - first];
        for (int i = 0; i < boxed.Length; i++)
        {
            boxed[i] = first + i;
        }

        return boxed;
    }
}
