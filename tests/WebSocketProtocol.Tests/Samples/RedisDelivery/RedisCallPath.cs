namespace WebSocketProtocol.Tests.Samples.RedisDelivery;

/// <summary>Each kind of call the chat's Redis rooms make, where <see cref="RedisFaults"/> can inject an exception.</summary>
public enum RedisCallPath
{
    /// <summary>The join script (a join, or a name taken again at the heartbeat).</summary>
    JoinScript,

    /// <summary>The leave script.</summary>
    LeaveScript,

    /// <summary>The post script (a message).</summary>
    PostScript,

    /// <summary>The heartbeat's renewal of names.</summary>
    RenewScript,

    /// <summary>The heartbeat's reaping of expired names.</summary>
    ReapScript,

    /// <summary>A room counted as occupied again.</summary>
    MarkOccupiedScript,

    /// <summary>A room counted among the emptied.</summary>
    MarkEmptiedScript,

    /// <summary>A read of a room's log.</summary>
    LogRead,

    /// <summary>A read of a room's latest sequence number (a reader starting).</summary>
    PositionRead,

    /// <summary>A subscription to a room's wake-ups (a reader starting).</summary>
    Subscribe,
}
