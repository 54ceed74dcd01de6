using System;
using System.Diagnostics.Tracing;

namespace WebSocketProtocol.Diagnostics;

/// <summary>
/// The library's log as an <see cref="EventSource"/> named "WebSocketProtocol" (no dependency, every target, readable
/// with <c>dotnet-trace collect --providers WebSocketProtocol</c> or an <see cref="EventListener"/>). Refusals and
/// failures are Informational, close frames and lost connections Verbose; nothing is written per message. The peer is
/// the remote end point the host gave the connection, or empty.
/// </summary>
[EventSource(Name = WebSocketTelemetry.Name)]
internal sealed class WebSocketEventSource : EventSource
{
    /// <summary>The one instance.</summary>
    public static readonly WebSocketEventSource Log = new();

    private WebSocketEventSource()
    {
    }

    /// <summary>An opening handshake was refused with <paramref name="status"/> for <paramref name="error"/> (a HandshakeError).</summary>
    [Event(1, Level = EventLevel.Informational, Message = "{0} handshake refused with {1}: {2} (peer {3})")]
    public void HandshakeRefused(string role, int status, string error, string peer)
    {
        if (IsEnabled(EventLevel.Informational, EventKeywords.All))
        {
            WriteStringIntStringString(1, role, status, error, peer);
        }
    }

    /// <summary>A connection failed by <paramref name="rule"/> (a ProtocolError), sending <paramref name="closeCode"/>.</summary>
    [Event(2, Level = EventLevel.Informational, Message = "{0} connection failed: {1}, close code {2} (peer {3})")]
    public void ProtocolFailure(string role, string rule, int closeCode, string peer)
    {
        if (IsEnabled(EventLevel.Informational, EventKeywords.All))
        {
            WriteStringStringIntString(2, role, rule, closeCode, peer);
        }
    }

    /// <summary>The peer's close frame arrived with <paramref name="code"/> (1005 for none).</summary>
    [Event(3, Level = EventLevel.Verbose, Message = "{0} connection: the peer closed with {1} (peer {2})")]
    public void CloseReceived(string role, int code, string peer)
    {
        if (IsEnabled(EventLevel.Verbose, EventKeywords.All))
        {
            WriteStringIntString(3, role, code, peer);
        }
    }

    /// <summary>The transport ended with no close frame (RFC 6455 section 7.1.5: abnormal closure).</summary>
    [Event(4, Level = EventLevel.Verbose, Message = "{0} connection lost without a closing handshake (peer {1})")]
    public void ConnectionLost(string role, string peer)
    {
        if (IsEnabled(EventLevel.Verbose, EventKeywords.All))
        {
            WriteEvent(4, role, peer);
        }
    }

    // EventSource has no overloads for these payloads but the one taking object[], which boxes, allocates and needs
    // reflection the trimmer cannot see: so each is written field by field (strings as UTF-16 with their terminator).
    [NonEvent]
#if NET5_0_OR_GREATER
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Strings and ints only: EventSource writes primitives without reflection.")]
#endif
    private unsafe void WriteStringIntStringString(int eventId, string a, int b, string c, string d)
    {
        fixed (char* pa = a)
        fixed (char* pc = c)
        fixed (char* pd = d)
        {
            EventData* data = stackalloc EventData[4];
            data[0] = String(pa, a);
            data[1] = new EventData { DataPointer = (IntPtr)(&b), Size = sizeof(int) };
            data[2] = String(pc, c);
            data[3] = String(pd, d);
            WriteEventCore(eventId, 4, data);
        }
    }

    [NonEvent]
#if NET5_0_OR_GREATER
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Strings and ints only: EventSource writes primitives without reflection.")]
#endif
    private unsafe void WriteStringStringIntString(int eventId, string a, string b, int c, string d)
    {
        fixed (char* pa = a)
        fixed (char* pb = b)
        fixed (char* pd = d)
        {
            EventData* data = stackalloc EventData[4];
            data[0] = String(pa, a);
            data[1] = String(pb, b);
            data[2] = new EventData { DataPointer = (IntPtr)(&c), Size = sizeof(int) };
            data[3] = String(pd, d);
            WriteEventCore(eventId, 4, data);
        }
    }

    [NonEvent]
#if NET5_0_OR_GREATER
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Strings and ints only: EventSource writes primitives without reflection.")]
#endif
    private unsafe void WriteStringIntString(int eventId, string a, int b, string c)
    {
        fixed (char* pa = a)
        fixed (char* pc = c)
        {
            EventData* data = stackalloc EventData[3];
            data[0] = String(pa, a);
            data[1] = new EventData { DataPointer = (IntPtr)(&b), Size = sizeof(int) };
            data[2] = String(pc, c);
            WriteEventCore(eventId, 3, data);
        }
    }

    private static unsafe EventData String(char* pointer, string value) =>
        new() { DataPointer = (IntPtr)pointer, Size = (value.Length + 1) * sizeof(char) };
}
