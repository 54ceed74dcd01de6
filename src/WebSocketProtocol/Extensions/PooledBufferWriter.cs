using System;
using System.Buffers;

namespace WebSocketProtocol.Extensions;

/// <summary>
/// A growable <see cref="IBufferWriter{T}"/> over pooled arrays, reused per thread so negotiation and compression allocate
/// nothing in steady state.
/// </summary>
internal sealed class PooledBufferWriter : IBufferWriter<byte>, IDisposable
{
    [ThreadStatic]
    private static PooledBufferWriter? t_cached;

    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(256);
    private int _written;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

    public int WrittenCount => _written;

    /// <summary>Forgets everything written after the first <paramref name="length"/> bytes.</summary>
    public void Truncate(int length) => _written = Math.Min(length, _written);

    /// <summary>Takes this thread's cached writer (or a new one); <see cref="Dispose"/> puts it back.</summary>
    public static PooledBufferWriter Rent()
    {
        PooledBufferWriter writer = t_cached ?? new PooledBufferWriter();
        t_cached = null;
        return writer;
    }

    public void Advance(int count)
    {
        if ((uint)count > (uint)(_buffer.Length - _written))
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(count), "Advanced past the buffer.");
        }

        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Grow(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Grow(sizeHint);
        return _buffer.AsSpan(_written);
    }

    public void Dispose()
    {
        _written = 0;
        if (_buffer.Length > 4096)
        {
            // Do not keep a hostile negotiation's or a large message's buffer alive on this thread.
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = ArrayPool<byte>.Shared.Rent(256);
        }

        t_cached = this;
    }

    private void Grow(int sizeHint)
    {
        int needed = _written + Math.Max(sizeHint, 1);
        if (needed <= _buffer.Length)
        {
            return;
        }

        byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _buffer.Length * 2));
        _buffer.AsSpan(0, _written).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }
}
