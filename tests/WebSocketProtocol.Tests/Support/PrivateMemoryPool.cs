using System;
using System.Buffers;
using System.Collections.Generic;

namespace WebSocketProtocol.Tests.Support;

/// <summary>
/// A memory pool owned by one test: its blocks come back to it and to nobody else, so an allocation count measured on
/// this thread cannot be disturbed by other tests draining the process-wide pool in parallel.
/// </summary>
internal sealed class PrivateMemoryPool : MemoryPool<byte>
{
    private const int BlockSize = 4096;
    private readonly Stack<Owner> _free = new(4096);

    public override int MaxBufferSize => int.MaxValue;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        // Owners are reused with their blocks, so a steady state rents and returns without allocating.
        int size = Math.Max(minBufferSize, BlockSize);
        if (size == BlockSize)
        {
            lock (_free)
            {
                if (_free.TryPop(out Owner? owner))
                {
                    owner.IsRented = true;
                    return owner;
                }
            }
        }

        return new Owner(this, new byte[size]) { IsRented = true };
    }

    protected override void Dispose(bool disposing)
    {
    }

    private sealed class Owner : IMemoryOwner<byte>
    {
        private readonly PrivateMemoryPool _pool;
        private readonly byte[] _block;

        public Owner(PrivateMemoryPool pool, byte[] block)
        {
            _pool = pool;
            _block = block;
        }

        public bool IsRented { get; set; }

        public Memory<byte> Memory => IsRented ? _block : throw new ObjectDisposedException(nameof(Owner));

        public void Dispose()
        {
            if (IsRented && _block.Length == BlockSize)
            {
                IsRented = false;
                lock (_pool._free)
                {
                    _pool._free.Push(this);
                }
            }
        }
    }
}
