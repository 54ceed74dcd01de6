using System;
using System.Buffers;

namespace WebSocketProtocol.Fuzz.Support;

/// <summary>
/// Hands a pipe blocks of exactly the size asked for (at least <c>blockSize</c>), so a small block size makes buffers of
/// many segments and every parser's cross-segment path runs. Blocks are fresh arrays: each input gets its own.
/// </summary>
internal sealed class SmallSegmentPool : MemoryPool<byte>
{
    private readonly int _blockSize;

    public SmallSegmentPool(int blockSize) => _blockSize = blockSize;

    public override int MaxBufferSize => int.MaxValue;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1) => new Block(new byte[Math.Max(minBufferSize, _blockSize)]);

    protected override void Dispose(bool disposing)
    {
    }

    private sealed class Block : IMemoryOwner<byte>
    {
        public Block(byte[] array) => Memory = array;

        public Memory<byte> Memory { get; }

        public void Dispose()
        {
        }
    }
}
