using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace ChatServer.Chat.Redis;

/// <summary>
/// Every third of the presence TTL (and at once when asked, after Redis comes back), each room of this node renews its
/// members' names and reaps the members of servers that stopped renewing theirs. A failed round is simply tried again at
/// the next beat. Whatever one room's beat throws is reported and the loop goes on: were it to stop, every name this
/// server holds would expire and its members would be reaped from the other servers' rooms.
/// </summary>
internal sealed class RedisPresenceHeartbeat : IAsyncDisposable
{
    private readonly Func<IEnumerable<IPresenceHeartbeatTarget>> _rooms;
    private readonly Action<string> _log;
    private readonly TimeSpan _interval;
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _wake = new(0, 1);
    private Task _loop = Task.CompletedTask;

    public RedisPresenceHeartbeat(Func<IEnumerable<IPresenceHeartbeatTarget>> rooms, TimeSpan interval, Action<string> log)
    {
        _rooms = rooms;
        _interval = interval;
        _log = log;
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

            foreach (IPresenceHeartbeatTarget room in _rooms())
            {
                try
                {
                    await room.HeartbeatAsync().ConfigureAwait(false);
                }
                catch (Exception exception)
                {
                    // Any type at all: a bug in one room's beat must not end the beats of every room.
                    _log($"Heartbeat of room {room.Name} failed ({exception.GetType().Name}: {exception.Message}); the next beat tries again");
                }
            }
        }
    }
}
