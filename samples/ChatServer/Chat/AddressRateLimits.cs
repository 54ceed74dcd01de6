using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading;

namespace ChatServer.Chat;

/// <summary>
/// Rate limits per remote address, on top of each connection's own: one person opening twenty connections gets the
/// rate of one address, not twenty connections. IPv6 addresses count by their /64, which is what one subscriber is
/// usually given. An address's buckets outlive its connections until they have refilled, so hanging up and connecting
/// again does not buy a fresh burst; then they are swept, so the table holds only addresses seen lately.
/// </summary>
internal sealed class AddressRateLimits
{
    private readonly ConcurrentDictionary<UInt128, AddressQuota> _quotas = new();
    private readonly double _joinsPerSecond;
    private readonly double _messagesPerSecond;
    private readonly long _sweepTicks;
    private long _lastSweep = Stopwatch.GetTimestamp();

    /// <summary>Limits of <paramref name="joinsPerSecond"/> and <paramref name="messagesPerSecond"/> per address, swept every five seconds.</summary>
    public AddressRateLimits(double joinsPerSecond, double messagesPerSecond)
        : this(joinsPerSecond, messagesPerSecond, TimeSpan.FromSeconds(5))
    {
    }

    internal AddressRateLimits(double joinsPerSecond, double messagesPerSecond, TimeSpan sweepInterval)
    {
        _joinsPerSecond = joinsPerSecond;
        _messagesPerSecond = messagesPerSecond;
        _sweepTicks = (long)(sweepInterval.TotalSeconds * Stopwatch.Frequency);
    }

    /// <summary>Addresses tracked now (for tests).</summary>
    internal int Count => _quotas.Count;

    /// <summary>The quota of <paramref name="address"/> (all unknown addresses share one), held until the connection ends.</summary>
    public AddressQuota Enter(IPAddress? address)
    {
        SweepIfDue();
        UInt128 key = KeyOf(address);
        while (true)
        {
            AddressQuota quota = _quotas.GetOrAdd(key, static (_, limits) => new AddressQuota(limits._joinsPerSecond, limits._messagesPerSecond), this);
            if (quota.TryHold())
            {
                return quota;
            }

            // Swept between the look-up and the hold: take the fresh one.
            _quotas.TryRemove(new(key, quota));
        }
    }

    /// <summary>The address's /64 for IPv6, the address itself for IPv4 (mapped or not); one key for no address.</summary>
    internal static UInt128 KeyOf(IPAddress? address)
    {
        if (address is null)
        {
            return UInt128.Zero;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        Span<byte> bytes = stackalloc byte[16];
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            address.TryWriteBytes(bytes[12..], out _);
            bytes[10] = bytes[11] = 0xFF;
            return new UInt128(System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes), System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]));
        }

        address.TryWriteBytes(bytes, out _);
        return new UInt128(System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes), 0);
    }

    private void SweepIfDue()
    {
        long now = Stopwatch.GetTimestamp();
        long last = Interlocked.Read(ref _lastSweep);
        if (now - last < _sweepTicks || Interlocked.CompareExchange(ref _lastSweep, now, last) != last)
        {
            return;
        }

        foreach (var pair in _quotas)
        {
            if (pair.Value.TryRetire())
            {
                _quotas.TryRemove(pair);
            }
        }
    }
}

/// <summary>One address's buckets, shared by its connections.</summary>
internal sealed class AddressQuota : IDisposable
{
    private readonly RateLimiter _joins;
    private readonly RateLimiter _messages;
    private readonly Lock _gate = new();
    private int _holders;
    private bool _retired;

    public AddressQuota(double joinsPerSecond, double messagesPerSecond)
    {
        // A page that reconnects, or a family joining together, stays within a burst; a join loop does not.
        _joins = new RateLimiter(joinsPerSecond, Math.Max(1, joinsPerSecond * 5));
        _messages = new RateLimiter(messagesPerSecond, Math.Max(1, messagesPerSecond * 2));
    }

    /// <summary>Takes a join from the address's bucket, if there is one.</summary>
    public bool TryJoin()
    {
        lock (_gate)
        {
            return _joins.TryTake();
        }
    }

    /// <summary>Takes a chat message from the address's bucket, if there is one.</summary>
    public bool TryPost()
    {
        lock (_gate)
        {
            return _messages.TryTake();
        }
    }

    /// <summary>A connection of this address has ended.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _holders--;
        }
    }

    internal bool TryHold()
    {
        lock (_gate)
        {
            if (_retired)
            {
                return false;
            }

            _holders++;
            return true;
        }
    }

    /// <summary>Retires the quota if no connection holds it and both buckets are full again (forgetting it loses nothing).</summary>
    internal bool TryRetire()
    {
        lock (_gate)
        {
            _retired = _holders == 0 && _joins.IsFull && _messages.IsFull;
            return _retired;
        }
    }
}
