using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Connection;
using Xunit;

namespace WebSocketProtocol.Tests.Connection;

/// <summary>The connection's frame lock: exclusion, hand-over in arrival order, and cancelled waiters.</summary>
public class AsyncMutexTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public void TryEnter_fails_while_the_lock_is_held_and_succeeds_once_it_is_left()
    {
        var mutex = new AsyncMutex();

        Assert.True(mutex.TryEnter());
        Assert.False(mutex.TryEnter());
        mutex.Exit();
        Assert.True(mutex.TryEnter());
    }

    [Fact]
    public async Task Waiters_get_the_lock_one_at_a_time_in_the_order_they_came()
    {
        var mutex = new AsyncMutex();
        Assert.True(mutex.TryEnter());
        Task[] waiters = Enumerable.Range(0, 3).Select(_ => mutex.EnterAsync()).ToArray();
        Assert.All(waiters, waiter => Assert.False(waiter.IsCompleted));

        for (int i = 0; i < waiters.Length; i++)
        {
            mutex.Exit();
            await waiters[i].WaitAsync(Bound);
            Assert.All(waiters.Skip(i + 1), waiter => Assert.False(waiter.IsCompleted));
            Assert.False(mutex.TryEnter());
        }

        mutex.Exit();
        Assert.True(mutex.TryEnter());
    }

    [Fact]
    public async Task A_cancelled_waiter_does_not_hold_the_lock_and_passes_its_turn_to_the_next()
    {
        var mutex = new AsyncMutex();
        Assert.True(mutex.TryEnter());
        using var cancel = new CancellationTokenSource();
        Task cancelled = mutex.EnterAsync(cancel.Token);
        Task next = mutex.EnterAsync();

        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(Bound));
        Assert.False(next.IsCompleted);

        mutex.Exit();
        await next.WaitAsync(Bound);
        mutex.Exit();

        // The cancelled waiter's turn comes after the next one's and is passed on from a continuation.
        await EventuallyEnterAsync(mutex);
    }

    [Fact]
    public async Task An_already_cancelled_token_fails_at_once_and_leaves_the_lock_free()
    {
        var mutex = new AsyncMutex();
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => mutex.EnterAsync(cancel.Token));
        Assert.True(mutex.TryEnter());
    }

    [Fact]
    public async Task Under_contention_from_many_threads_no_two_holders_overlap_and_no_entry_is_lost()
    {
        const int Workers = 8;
        const int Entries = 20_000;
        var mutex = new AsyncMutex();
        int inside = 0;
        int overlaps = 0;
        long total = 0;
        using var cancelSome = new CancellationTokenSource();

        async Task WorkAsync(int worker)
        {
            for (int i = 0; i < Entries; i++)
            {
                // A third of the entries wait with a token that another worker cancels part way, so cancelled waiters
                // are mixed into the queue of ones that get the lock.
                CancellationToken token = i % 3 == 0 ? cancelSome.Token : default;
                if (i % 2 == 0 && mutex.TryEnter())
                {
                    // Taken without waiting.
                }
                else
                {
                    try
                    {
                        await mutex.EnterAsync(token);
                    }
                    catch (OperationCanceledException)
                    {
                        continue;
                    }
                }

                if (Interlocked.Increment(ref inside) != 1)
                {
                    Interlocked.Increment(ref overlaps);
                }

                total++;
                if (i % 64 == 0)
                {
                    await Task.Yield();
                }

                Interlocked.Decrement(ref inside);
                mutex.Exit();
                if (worker == 0 && i == Entries / 2)
                {
                    cancelSome.Cancel();
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Workers).Select(worker => Task.Run(() => WorkAsync(worker)))).WaitAsync(TimeSpan.FromSeconds(120));

        Assert.Equal(0, overlaps);
        Assert.True(total >= Workers * Entries * 2 / 3, $"only {total} entries held the lock");
        await EventuallyEnterAsync(mutex);
    }

    private static async Task EventuallyEnterAsync(AsyncMutex mutex)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (!mutex.TryEnter())
        {
            Assert.True(DateTime.UtcNow < deadline, "the lock was never left");
            await Task.Delay(10);
        }
    }

    [Fact]
    public void Taking_and_leaving_a_free_lock_completes_at_once_and_allocates_nothing()
    {
        var mutex = new AsyncMutex();
        for (int i = 0; i < 100; i++)
        {
            Assert.True(mutex.TryEnter());
            mutex.Exit();
            Assert.True(mutex.EnterAsync().IsCompletedSuccessfully);
            mutex.Exit();
        }

        bool entered = true;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1_000; i++)
        {
            entered &= mutex.TryEnter();
            mutex.Exit();
            entered &= mutex.EnterAsync().IsCompletedSuccessfully;
            mutex.Exit();
        }

        Assert.True(entered);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
