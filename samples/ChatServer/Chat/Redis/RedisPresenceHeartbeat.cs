using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace ChatServer.Chat.Redis;

/// <summary>
/// Every third of the presence TTL (and at once when asked, after Redis comes back), each room of this node renews its
/// members' names and reaps the members of servers that stopped renewing theirs. A failed round is simply tried again at
/// the next beat.
/// </summary>
internal sealed class RedisPresenceHeartbeat : IAsyncDisposable
{
    private readonly Func<IEnumerable<RedisChatRoom>> _rooms;
    private readonly TimeSpan _interval;
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _wake = new(0, 1);
    private Task _loop = Task.CompletedTask;

    public RedisPresenceHeartbeat(Func<IEnumerable<RedisChatRoom>> rooms, TimeSpan interval)
    {
        _rooms = rooms;
        _interval = interval;
    }

    public void Start() => _loop = Task.Run(RunAsync);

    /// <summary>Runs a beat now rather than at the next interval (a request while one is pending counts once).</summary>
    public void RunNow()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Dispose();
        _wake.Dispose();
    }

    private async Task RunAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                await _wake.WaitAsync(_interval, _stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            foreach (RedisChatRoom room in _rooms())
            {
                await room.HeartbeatAsync().ConfigureAwait(false);
            }
        }
    }
}
