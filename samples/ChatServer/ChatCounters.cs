using System.Collections.Generic;
using System.Diagnostics.Metrics;

namespace ChatServer;

/// <summary>
/// The chat server's meter, "ChatServer", and the counters the chat code adds to as things happen; the gauges that read
/// the rooms and the connection cap are <c>ChatMetrics</c>'s. Apart so that the members and rooms need nothing else.
/// </summary>
internal static class ChatCounters
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "ChatServer";

    /// <summary>The meter every chat instrument is on.</summary>
    public static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> CutOff = Meter.CreateCounter<long>(
        "chat.members.cut_off", "{member}", "Members closed with 1013 because their outbound queue overflowed (they read too slowly).");

    private static readonly Counter<long> RateLimited = Meter.CreateCounter<long>(
        "chat.rate_limited", "{request}", "Messages and joins refused by a rate limit, by which one (chat.limit).");

    private static readonly Counter<long> ConnectionsRefused = Meter.CreateCounter<long>(
        "chat.connections.refused", "{connection}", "Connections reset at the connection cap.");

    /// <summary>A member was cut off for falling behind.</summary>
    public static void MemberCutOff() => CutOff.Add(1);

    /// <summary>A request was refused by <paramref name="limit"/>: <c>message</c> (the connection's rate), <c>address-message</c> (the address's) or <c>join</c> (either's join rate).</summary>
    public static void Refused(string limit) => RateLimited.Add(1, new KeyValuePair<string, object?>("chat.limit", limit));

    /// <summary>A connection was reset at the cap.</summary>
    public static void ConnectionRefused() => ConnectionsRefused.Add(1);
}
