using System.Diagnostics.Metrics;
using ChatServer.Chat;
using ChatServer.Connections;

namespace ChatServer;

/// <summary>
/// The chat server's own figures, on its meter (<see cref="ChatCounters"/>) beside the library's "WebSocketProtocol" (both read by
/// <c>dotnet-counters monitor -n ChatServer --counters WebSocketProtocol,ChatServer</c>): the rooms and members there
/// are, the connections held and refused at the cap, the members cut off for reading too slowly, and the messages and
/// joins refused by a rate limit.
/// </summary>
internal sealed class ChatMetrics
{
    private static readonly Meter Meter = ChatCounters.Meter;

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
        cap.Refusing += ChatCounters.ConnectionRefused;
    }
}
