using System.Buffers;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;

namespace ChatServer;

/// <summary>
/// How the server sets up Kestrel's socket transport for WebSocket traffic: the pool of 32 KiB blocks, and room for
/// four 64 KiB messages in a connection's output before a flush waits. The load comparison's servers take the same
/// settings with <c>--sample-transport</c>, so they can be compared like with like.
/// </summary>
internal static class KestrelTransportSettings
{
    /// <summary>
    /// Bytes a connection may have written and not yet sent before a flush waits for the socket. Kestrel's default,
    /// 64 KiB, is filled by one 64 KiB message, so every such send waited for the socket before the connection could
    /// take the next message; with room for four, receiving goes on while the transport sends.
    /// </summary>
    public const long OutputBufferLimit = 256 * 1024;

    /// <summary>Registers the pool and the output limit with the services Kestrel's transport is built from.</summary>
    public static void Apply(IServiceCollection services)
    {
        // Kestrel's transport receives into one pool block at a time: larger blocks take a large message in fewer calls.
        services.AddSingleton<IMemoryPoolFactory<byte>, LargeBlockMemoryPool.Factory>();
        services.Configure<SocketTransportOptions>(transport => transport.MaxWriteBufferSize = OutputBufferLimit);
    }
}
