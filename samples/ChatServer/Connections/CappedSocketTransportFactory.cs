using System;
using System.Buffers;
using System.Net;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatServer.Connections;

/// <summary>
/// Kestrel's socket transport with an accept loop of the server's own (<see cref="CappedSocketListener"/>): connections
/// past the <see cref="ConnectionCap"/> are closed as soon as they are accepted, and an accept that fails for want of
/// descriptors or memory backs off instead of retrying at once. Kestrel's own loop retries every failed accept
/// immediately: out of descriptors, the pending connection stays queued, so it spun on a core and the process ran out of
/// memory. Each accepted socket becomes a connection through Kestrel's <see cref="SocketConnectionContextFactory"/>, with
/// the transport settings the server registered (<see cref="KestrelTransportSettings"/>).
/// </summary>
internal sealed class CappedSocketTransportFactory : IConnectionListenerFactory, IConnectionListenerFactorySelector, IDisposable
{
    private readonly SocketTransportOptions _options;
    private readonly ConnectionCap _cap;
    private readonly SocketConnectionContextFactory _connections;
    private readonly DescriptorReserve _reserve = new(ReserveSize);

    public CappedSocketTransportFactory(IOptions<SocketTransportOptions> options, IMemoryPoolFactory<byte> pool, ILoggerFactory loggers, ConnectionCap cap)
    {
        _options = options.Value;
        _cap = cap;
        _connections = new SocketConnectionContextFactory(FactoryOptions(_options, pool), loggers.CreateLogger<CappedSocketTransportFactory>());
    }

    /// <summary>Descriptors held back for the runtime, given to it when accept runs out (<see cref="DescriptorReserve"/>).</summary>
    public const int ReserveSize = 32;

    /// <inheritdoc/>
    public bool CanBind(EndPoint endpoint) => endpoint is IPEndPoint;

    /// <inheritdoc/>
    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        var listener = new CappedSocketListener(_options.CreateBoundListenSocket(endpoint), _options.Backlog, _options.NoDelay, _connections, _cap, _reserve, ReserveSize);
        return new ValueTask<IConnectionListener>(listener);
    }

    public void Dispose()
    {
        _connections.Dispose();
        _reserve.Dispose();
    }

    /// <summary>
    /// The options Kestrel's own transport would give the factory: the public settings, and the memory pool, which
    /// Kestrel sets through an internal property (the public options have no other way to take one).
    /// </summary>
    internal static SocketConnectionFactoryOptions FactoryOptions(SocketTransportOptions transport, IMemoryPoolFactory<byte> pool)
    {
        var options = new SocketConnectionFactoryOptions
        {
            IOQueueCount = transport.IOQueueCount,
            WaitForDataBeforeAllocatingBuffer = transport.WaitForDataBeforeAllocatingBuffer,
            MaxReadBufferSize = transport.MaxReadBufferSize,
            MaxWriteBufferSize = transport.MaxWriteBufferSize,
            UnsafePreferInlineScheduling = transport.UnsafePreferInlineScheduling,
        };
        SetMemoryPoolFactory(options, pool);
        return options;
    }

    /// <summary>The pool the factory's connections will use (for tests).</summary>
    internal static IMemoryPoolFactory<byte> MemoryPoolFactoryOf(SocketConnectionFactoryOptions options) => GetMemoryPoolFactory(options);

    // Checked by KestrelTransportSettingsTests: a Kestrel that renamed the property would fail there, not silently.
    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "set_MemoryPoolFactory")]
    private static extern void SetMemoryPoolFactory(SocketConnectionFactoryOptions options, IMemoryPoolFactory<byte> pool);

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "get_MemoryPoolFactory")]
    private static extern IMemoryPoolFactory<byte> GetMemoryPoolFactory(SocketConnectionFactoryOptions options);
}
