namespace WebSocketProtocol.Benchmarks;

/// <summary>What carries the bytes between the two ends of an echo benchmark.</summary>
public enum EchoTransport
{
    /// <summary>Two in-memory pipes: our connection uses them directly, ManagedWebSocket through a stream over them.</summary>
    Pipe,

    /// <summary>A TCP connection on 127.0.0.1, as a <see cref="System.Net.Sockets.NetworkStream"/> for both stacks (ours through pipes over it).</summary>
    Loopback,
}
