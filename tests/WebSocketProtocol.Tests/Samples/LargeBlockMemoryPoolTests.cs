using System;
using System.Buffers;
using System.Collections.Generic;
using System.Linq;
using ChatServer;
using Xunit;

namespace WebSocketProtocol.Tests.Samples;

/// <summary>
/// The chat server's pool for Kestrel's transport (linked from the sample): whole blocks, each handed to one owner at a
/// time, reused, and no more kept than its limit.
/// </summary>
public class LargeBlockMemoryPoolTests
{
    [Fact]
    public void Every_rent_gets_a_whole_block_and_larger_requests_are_refused()
    {
        using var pool = new LargeBlockMemoryPool();

        using IMemoryOwner<byte> any = pool.Rent();
        using IMemoryOwner<byte> small = pool.Rent(16);
        Assert.Equal(LargeBlockMemoryPool.BlockSize, pool.MaxBufferSize);
        Assert.Equal(LargeBlockMemoryPool.BlockSize, any.Memory.Length);
        Assert.Equal(LargeBlockMemoryPool.BlockSize, small.Memory.Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent(LargeBlockMemoryPool.BlockSize + 1));
    }

    [Fact]
    public void A_returned_block_is_reused_and_disposing_it_twice_returns_it_once()
    {
        using var pool = new LargeBlockMemoryPool();
        IMemoryOwner<byte> first = pool.Rent();
        Memory<byte> memory = first.Memory;

        first.Dispose();
        first.Dispose();
        Assert.Equal(1, pool.RetainedCount);

        IMemoryOwner<byte> again = pool.Rent();
        IMemoryOwner<byte> fresh = pool.Rent();
        Assert.True(again.Memory.Span == memory.Span, "the returned block was not reused");
        Assert.False(fresh.Memory.Span.Overlaps(memory.Span), "a block disposed twice went to two owners");
        again.Dispose();
        fresh.Dispose();
    }

    [Fact]
    public void Blocks_in_use_never_share_memory()
    {
        using var pool = new LargeBlockMemoryPool();
        var owners = new List<IMemoryOwner<byte>>();
        for (int round = 0; round < 3; round++)
        {
            owners.AddRange(Enumerable.Range(0, 50).Select(_ => pool.Rent()));
            for (int i = 0; i < owners.Count; i++)
            {
                for (int j = i + 1; j < owners.Count; j++)
                {
                    Assert.False(owners[i].Memory.Span.Overlaps(owners[j].Memory.Span));
                }
            }

            // Give half back, so the next round mixes reused blocks with new ones.
            foreach (IMemoryOwner<byte> owner in owners.Take(25).ToList())
            {
                owner.Dispose();
                owners.Remove(owner);
            }
        }

        owners.ForEach(owner => owner.Dispose());
    }

    [Fact]
    public void No_more_than_the_retained_limit_of_free_blocks_is_kept_after_a_burst()
    {
        using var pool = new LargeBlockMemoryPool();
        IMemoryOwner<byte>[] burst = Enumerable.Range(0, LargeBlockMemoryPool.RetainedLimit * 2).Select(_ => pool.Rent()).ToArray();

        foreach (IMemoryOwner<byte> owner in burst)
        {
            owner.Dispose();
        }

        Assert.Equal(LargeBlockMemoryPool.RetainedLimit, pool.RetainedCount);
    }

    [Fact]
    public void Renting_and_returning_a_kept_block_allocates_nothing()
    {
        using var pool = new LargeBlockMemoryPool();
        pool.Rent().Dispose();

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1_000; i++)
        {
            pool.Rent().Dispose();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
