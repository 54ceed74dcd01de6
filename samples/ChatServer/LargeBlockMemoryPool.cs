using System;
using System.Buffers;
using System.Collections.Concurrent;
using System.Threading;
using Microsoft.AspNetCore.Connections;

namespace ChatServer;

/// <summary>
/// The memory pool the server gives Kestrel's socket transport: blocks of 32 KiB where Kestrel's own are 4 KiB. The
/// transport receives into one block at a time, so with 4 KiB blocks a 64 KiB message takes at least sixteen receive
/// calls, and the output pipe hands the socket sixteen pieces per message; with 32 KiB blocks, two. Idle connections
/// hold no block, because the transport waits for data before it rents one.
/// </summary>
/// <remarks>
/// Blocks are pinned, as the socket reads into them and writes from them. A block comes back when its owner is disposed;
/// at most <see cref="RetainedLimit"/> free blocks are kept and the rest are left to the collector, so a burst of large
/// messages does not keep its peak for as long as the server runs.
/// </remarks>
internal sealed class LargeBlockMemoryPool : MemoryPool<byte>
{
    /// <summary>The size of every block, and the largest buffer the pool hands out.</summary>
    public const int BlockSize = 32 * 1024;

    /// <summary>Free blocks kept for reuse: 8 MiB.</summary>
    public const int RetainedLimit = 256;

    private readonly ConcurrentQueue<Block> _free = new();
    private int _freeCount;
    private volatile bool _disposed;

    /// <inheritdoc />
    public override int MaxBufferSize => BlockSize;

    /// <summary>Free blocks kept at the moment, for tests.</summary>
    internal int RetainedCount => Volatile.Read(ref _freeCount);

    /// <inheritdoc />
    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        if (minBufferSize > BlockSize)
        {
            throw new ArgumentOutOfRangeException(nameof(minBufferSize), minBufferSize, $"The pool's blocks are {BlockSize} bytes.");
        }

        if (_free.TryDequeue(out Block? block))
        {
            Interlocked.Decrement(ref _freeCount);
            block.Reuse();
            return block;
        }

        return new Block(this);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        _disposed = true;
        _free.Clear();
    }

    private void Return(Block block)
    {
        if (_disposed)
        {
            return;
        }

        if (Interlocked.Increment(ref _freeCount) > RetainedLimit)
        {
            Interlocked.Decrement(ref _freeCount);
            return;
        }

        _free.Enqueue(block);
    }

    /// <summary>Hands Kestrel this pool in place of its own (registered as the server's <see cref="IMemoryPoolFactory{T}"/>).</summary>
    public sealed class Factory : IMemoryPoolFactory<byte>
    {
        /// <inheritdoc />
        public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => new LargeBlockMemoryPool();
    }

    private sealed class Block : IMemoryOwner<byte>
    {
        private readonly LargeBlockMemoryPool _pool;
        private readonly byte[] _array = GC.AllocateUninitializedArray<byte>(BlockSize, pinned: true);

        // A second Dispose must not put the block in the queue twice: two renters would then share its memory.
        private int _returned;

        public Block(LargeBlockMemoryPool pool) => _pool = pool;

        public Memory<byte> Memory => _array;

        public void Reuse() => Volatile.Write(ref _returned, 0);

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _returned, 1) == 0)
            {
                _pool.Return(this);
            }
        }
    }
}
