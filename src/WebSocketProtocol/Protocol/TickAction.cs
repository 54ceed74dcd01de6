namespace WebSocketProtocol.Protocol;

/// <summary>What <see cref="ConnectionProtocol.OnTick"/> asks of the shell that owns the timer.</summary>
internal enum TickAction : byte
{
    /// <summary>Nothing is due.</summary>
    None,

    /// <summary>A keepalive ping is due (already recorded as sent): write it with <see cref="ConnectionProtocol.WritePing"/> and flush.</summary>
    SendPing,

    /// <summary>A timer expired and failed the connection (<see cref="ConnectionProtocol.Failure"/>): send the owed close, then drop the transport.</summary>
    Fail,
}
