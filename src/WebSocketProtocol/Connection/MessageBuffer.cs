using System;
using System.Buffers;
using System.Diagnostics;
using System.Threading;

namespace WebSocketProtocol.Connection;

/// <summary>
/// The memory behind one received <see cref="WebSocketMessage"/>: a small array of its own for short messages, else an
/// array rented from the connection's pool, sized from the declared length when the message's last frame says how much
/// is coming. Leased to the application with a version: disposing the lease moves the version on, gives the rented array
/// back and the holder to <see cref="MessageBufferPool"/> for another message, and every later read of the lease throws.
/// </summary>
internal sealed class MessageBuffer
{
    /// <summary>Messages up to this long need no rented array.</summary>
    public const int InlineLength = 64;

    private const int Page = 4096;
    private const int MaxUpFront = 64 * 1024;
    private const long MaxArrayLength = 0x7FFFFFC7;

    private readonly MessageBufferPool _pool;
    private readonly byte[] _inline = new byte[InlineLength];
    private byte[]? _rented;
    private int _length;
    private bool _scratchHandedOut;
    private int _version;

    public MessageBuffer(MessageBufferPool pool) => _pool = pool;

    /// <summary>The lease in force: it changes when one is disposed.</summary>
    public int Version => Volatile.Read(ref _version);

    /// <summary>
    /// Room for the next bytes while the message is received. The whole message goes into one array, sized up front when
    /// its last frame declares at most 64 KiB, else doubling from 4 KiB, so a peer that declares a large frame and sends
    /// little of it cannot make the connection hold much. Full at the message limit, the message may only end: the room
    /// is then scratch (the inflater may show it would go past the limit, which fails the message before a byte is kept).
    /// </summary>
    public Span<byte> GetSpan(long frameRemaining, bool isFinalFrame)
    {
        byte[] current = _rented ?? _inline;
        long whole = isFinalFrame && frameRemaining >= 0 ? _length + frameRemaining : -1;
        if (_length < current.Length && (_rented is not null || whole <= InlineLength))
        {
            return current.AsSpan(_length);
        }

        long limit = _pool.MaxMessageSize;
        if (_length >= limit)
        {
            _scratchHandedOut = true;
            return _inline;
        }

        long size = whole > _length && whole <= MaxUpFront ? whole
            : Math.Min(Math.Max(_length * 2L, Page), Math.Min(Math.Max(limit, Page), MaxArrayLength));
        byte[] larger = _pool.ArrayPool.Rent((int)size);
        current.AsSpan(0, _length).CopyTo(larger);
        if (_rented is not null)
        {
            _pool.ArrayPool.Return(_rented);
        }

        _rented = larger;
        return larger.AsSpan(_length);
    }

    /// <summary>Records bytes written into the room <see cref="GetSpan"/> gave.</summary>
    public void Advance(int count)
    {
        Debug.Assert(!_scratchHandedOut || count == 0, "A byte past the message limit was received.");
        if (!_scratchHandedOut)
        {
            _length += count;
        }

        _scratchHandedOut = false;
    }

    /// <summary>The message's bytes, if <paramref name="version"/> is still the lease in force.</summary>
    /// <exception cref="ObjectDisposedException">The lease was disposed: the memory may hold another message by now.</exception>
    public ReadOnlyMemory<byte> GetMemory(int version)
    {
        if (Volatile.Read(ref _version) != version)
        {
            ThrowDisposed();
        }

        return (_rented ?? _inline).AsMemory(0, _length);
    }

    /// <summary>Ends the lease <paramref name="version"/>, once: the second dispose of a copy finds the version moved on.</summary>
    public void Release(int version)
    {
        if (Interlocked.CompareExchange(ref _version, version + 1, version) == version)
        {
            Recycle();
        }
    }

    /// <summary>Gives the holder back without a lease (the receive ended with a close or a failure).</summary>
    public void Discard()
    {
        Interlocked.Increment(ref _version);
        Recycle();
    }

    private void Recycle()
    {
        byte[]? rented = _rented;
        _rented = null;
        _length = 0;
        _scratchHandedOut = false;
        if (rented is not null)
        {
            _pool.ArrayPool.Return(rented);
        }

        _pool.Return(this);
    }

    private static void ThrowDisposed() =>
        throw new ObjectDisposedException(nameof(WebSocketMessage), "The message was disposed; its memory went back to the pool. Use ToArray() to keep a copy.");
}
