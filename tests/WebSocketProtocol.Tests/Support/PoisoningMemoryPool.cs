using System;
using System.Buffers;
using System.Collections.Generic;

namespace WebSocketProtocol.Tests.Support;

/// <summary>
/// The memory-pool twin of <see cref="PoisoningArrayPool"/>, for the pipes under a connection: each block is new, a
/// disposed block is filled with <see cref="PoisoningArrayPool.Poison"/> and kept in quarantine, and a block disposed
/// twice, or asked for its memory after its return, or written after it, is a violation. A pipe whose reader reads a
/// block after its return reads poison.
/// </summary>
internal sealed class PoisoningMemoryPool : MemoryPool<byte>
{
    private const int BlockSize = 4096;

    private readonly object _gate = new();
    private readonly HashSet<Block> _lent = new();
    private readonly List<Block> _quarantine = new();
    private readonly List<string> _violations = new();

    public override int MaxBufferSize => int.MaxValue;

    /// <summary>Blocks lent and not yet returned.</summary>
    public int Outstanding
    {
        get
        {
            lock (_gate)
            {
                return _lent.Count;
            }
        }
    }

    /// <summary>Every misuse seen so far, described.</summary>
    public IReadOnlyList<string> Violations
    {
        get
        {
            lock (_gate)
            {
                return _violations.ToArray();
            }
        }
    }

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        var block = new Block(this, new byte[Math.Max(minBufferSize, BlockSize)]);
        lock (_gate)
        {
            _lent.Add(block);
        }

        return block;
    }

    /// <summary>Records a violation for every returned block some byte of which is no longer poison.</summary>
    public void CheckQuarantine()
    {
        lock (_gate)
        {
            foreach (Block block in _quarantine)
            {
                int written = block.Array.AsSpan().IndexOfAnyExcept(PoisoningArrayPool.Poison);
                if (written >= 0)
                {
                    _violations.Add($"A {block.Array.Length}-byte pipe block was written after its return (byte {written} is 0x{block.Array[written]:X2}).");
                }
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
    }

    private void OnReturn(Block block)
    {
        lock (_gate)
        {
            _lent.Remove(block);
            block.Array.AsSpan().Fill(PoisoningArrayPool.Poison);
            _quarantine.Add(block);
        }
    }

    private void OnSecondReturn(Block block)
    {
        lock (_gate)
        {
            _violations.Add($"A {block.Array.Length}-byte pipe block was returned twice.");
        }
    }

    private void OnUseAfterReturn(Block block)
    {
        lock (_gate)
        {
            _violations.Add($"The memory of a {block.Array.Length}-byte pipe block was asked for after its return.");
        }
    }

    private sealed class Block : IMemoryOwner<byte>
    {
        private readonly PoisoningMemoryPool _pool;
        private int _returned;

        public Block(PoisoningMemoryPool pool, byte[] array)
        {
            _pool = pool;
            Array = array;
        }

        public byte[] Array { get; }

        public Memory<byte> Memory
        {
            get
            {
                if (System.Threading.Volatile.Read(ref _returned) != 0)
                {
                    _pool.OnUseAfterReturn(this);
                }

                return Array;
            }
        }

        public void Dispose()
        {
            if (System.Threading.Interlocked.Exchange(ref _returned, 1) != 0)
            {
                _pool.OnSecondReturn(this);
                return;
            }

            _pool.OnReturn(this);
        }
    }
}
