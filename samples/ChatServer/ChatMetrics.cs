using System.Collections.Generic;
using System.Diagnostics.Metrics;
using ChatServer.Chat;
using ChatServer.Connections;

namespace ChatServer;

/// <summary>
/// The chat server's own figures, on a meter named "ChatServer" beside the library's "WebSocketProtocol" (both read by
/// <c>dotnet-counters monitor -n ChatServer --counters WebSocketProtocol,ChatServer</c>): the rooms and members there
/// are, the connections held and refused at the cap, the members cut off for reading too slowly, and the messages and
/// joins refused by a rate limit.
/// </summary>
internal sealed class ChatMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "ChatServer";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> CutOff = Meter.CreateCounter<long>(
        "chat.members.cut_off", "{member}", "Members closed with 1013 because their outbound queue overflowed (they read too slowly).");

    private static readonly Counter<long> RateLimited = Meter.CreateCounter<long>(
        "chat.rate_limited", "{request}", "Messages and joins refused by a rate limit, by which one (chat.limit).");

    private static readonly Counter<long> ConnectionsRefused = Meter.CreateCounter<long>(
        "chat.connections.refused", "{connection}", "Connections reset at the connection cap.");

    private readonly RoomRegistry _rooms;
    private readonly ConnectionCap _cap;

    public ChatMetrics(RoomRegistry rooms, ConnectionCap cap)
    {
        _rooms = rooms;
        _cap = cap;
        Meter.CreateObservableGauge("chat.rooms", () => _rooms.OccupiedCount, "{room}", "Rooms with members.");
        Meter.CreateObservableGauge("chat.rooms.kept", () => _rooms.KeptCount, "{room}", "Emptied rooms kept for their history.");
        Meter.CreateObservableGauge("chat.members", () => _rooms.MemberCount, "{member}", "Members in rooms (joins under way included).");
        Meter.CreateObservableGauge("chat.connections", () => _cap.Open, "{connection}", "TCP connections held (a handshake under way counts).");
        Meter.CreateObservableGauge("chat.connections.cap", () => _cap.Limit, "{connection}", "The connection cap now.");
        cap.Refusing += () => ConnectionsRefused.Add(1);
    }

    /// <summary>A member was cut off for falling behind.</summary>
    public static void MemberCutOff() => CutOff.Add(1);

    /// <summary>A request was refused by <paramref name="limit"/>: <c>message</c> (the connection's rate), <c>address-message</c> (the address's) or <c>join</c> (either's join rate).</summary>
    public static void Refused(string limit) => RateLimited.Add(1, new KeyValuePair<string, object?>("chat.limit", limit));
}
