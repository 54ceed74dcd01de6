using System;
using System.Globalization;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace ChatServer.Chat.Redis;

/// <summary>
/// Reads one room's events for this server, each once and in the room's order, and hands them to the room's members here:
/// one task per room with members on this server, stopped when the room is released. It keeps the sequence number of the
/// last event it handed over. The room's wake-ups (pub/sub) carry each event: one that follows the last handed over goes
/// out at once. Whenever one is missing (a wake-up lost with a connection, a stall, a server cut off for a while), and at
/// every poll besides, it reads the room's log (a Redis stream) from that number on, in batches. An event that names as
/// its previous one an event past the last handed over means the log no longer holds what came between: the room is told
/// (<see cref="IRoomEventSink.MissedEvents"/>). One that names an earlier event (or none) means the room's log started
/// again or lost its last events in Redis (a restart, a fail-over): it is new, and goes out. Every failure, of any type,
/// is logged and the next poll tries again.
/// </summary>
internal sealed class RedisRoomReader : IAsyncDisposable
{
    /// <summary>Events read from the log at once.</summary>
    private const int BatchSize = 256;

    // Wake-ups waiting for the loop; past this (a loop stuck on a slow Redis), the log is read instead.
    private const int MaxQueuedWakeUps = 1024;

    private readonly IDatabase _database;
    private readonly ISubscriber _subscriber;
    private readonly RedisRoomKeys _keys;
    private readonly IRoomEventSink _sink;
    private readonly TimeSpan _pollInterval;
    private readonly Action<string> _log;
    private readonly Channel<RoomEvent?> _wakeUps = Channel.CreateBounded<RoomEvent?>(
        new BoundedChannelOptions(MaxQueuedWakeUps) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stopping = new();
    private ChannelMessageQueue? _subscription;
    private ChannelMessageQueue? _typing;
    private Task _loop = Task.CompletedTask;
    private long _position;
    private volatile bool _logUnread;

    public RedisRoomReader(IDatabase database, ISubscriber subscriber, RedisRoomKeys keys, IRoomEventSink sink, TimeSpan pollInterval, Action<string> log)
    {
        _database = database;
        _subscriber = subscriber;
        _keys = keys;
        _sink = sink;
        _pollInterval = pollInterval;
        _log = log;
    }

    /// <summary>
    /// Subscribes to the room's wake-ups, then starts from the room's latest event: every event after it reaches this
    /// server, joins included. Throws whatever Redis threw; nothing is then left behind.
    /// </summary>
    public async Task StartAsync()
    {
        ChannelMessageQueue subscription = await _subscriber.SubscribeAsync(_keys.Events).ConfigureAwait(false);
        try
        {
            // Handlers run one at a time, in the order Redis published.
            subscription.OnMessage(OnWakeUp);
            RedisValue latest = await _database.StringGetAsync(_keys.Sequence).ConfigureAwait(false);
            _position = latest.IsNull ? 0 : long.Parse((string)latest!, NumberStyles.None, CultureInfo.InvariantCulture);
        }
        catch
        {
            await UnsubscribeAsync(subscription).ConfigureAwait(false);
            throw;
        }

        _subscription = subscription;
        try
        {
            ChannelMessageQueue typing = await _subscriber.SubscribeAsync(_keys.Typing).ConfigureAwait(false);
            typing.OnMessage(OnTyping);
            _typing = typing;
        }
        catch (Exception exception)
        {
            // Typing notices from other servers are a nicety: the room works without them.
            _log($"Room {_keys.EventsName}: no typing notices from other servers ({RedisFailures.Describe(exception)})");
        }

        _loop = Task.Run(RunAsync);
    }

    /// <summary>Reads the log soon, whatever the wake-ups said (after a reconnection, say).</summary>
    public void Wake()
    {
        _logUnread = true;
        _wakeUps.Writer.TryWrite(null);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (_subscription is { } subscription)
        {
            await UnsubscribeAsync(subscription).ConfigureAwait(false);
        }

        if (_typing is { } typing)
        {
            await UnsubscribeAsync(typing).ConfigureAwait(false);
        }

        _stopping.Dispose();
    }

    private void OnWakeUp(ChannelMessage message)
    {
        try
        {
            RoomEvent? roomEvent = RoomEvent.ParseWakeUp(message.Message);
            if (roomEvent is null || !_wakeUps.Writer.TryWrite(roomEvent))
            {
                Wake();
            }
        }
        catch (Exception exception)
        {
            // Whatever it is, the log has the event: read it there.
            _log($"Room {_keys.EventsName}: a wake-up failed ({RedisFailures.Describe(exception)}); reading the log");
            Wake();
        }
    }

    private void OnTyping(ChannelMessage message)
    {
        string? payload = message.Message;
        int end = payload?.IndexOf('\n', StringComparison.Ordinal) ?? -1;
        if (end <= 0)
        {
            return;
        }

        try
        {
            _sink.Typing(payload![..end], payload[(end + 1)..]);
        }
        catch (Exception exception)
        {
            _log($"Room {_keys.EventsName}: a typing notice failed ({RedisFailures.Describe(exception)})");
        }
    }

    private async Task RunAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            using (var poll = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token))
            {
                poll.CancelAfter(_pollInterval);
                try
                {
                    await _wakeUps.Reader.WaitToReadAsync(poll.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!_stopping.IsCancellationRequested)
                {
                    // The poll: read the log in case a wake-up never came.
                    _logUnread = true;
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            try
            {
                while (_wakeUps.Reader.TryRead(out RoomEvent? roomEvent))
                {
                    if (roomEvent is null || roomEvent.Sequence <= _position)
                    {
                        continue;
                    }

                    if (roomEvent.Previous > _position)
                    {
                        // One came before it that this server has not had: the log has it.
                        _logUnread = true;
                        continue;
                    }

                    HandOver(roomEvent);
                }

                if (_logUnread)
                {
                    _logUnread = false;
                    await ReadLogAsync().ConfigureAwait(false);
                }
            }
            catch (Exception exception) when (!_stopping.IsCancellationRequested)
            {
                // A Redis failure or anything else: the position is where the last handed-over event left it.
                _logUnread = true;
                _log($"Room {_keys.EventsName}: reading its events failed ({RedisFailures.Describe(exception)}); the next poll tries again");
            }
        }
    }

    private async Task ReadLogAsync()
    {
        while (true)
        {
            string after = "(" + _position.ToString(CultureInfo.InvariantCulture) + "-0";
            StreamEntry[] entries = await _database.StreamRangeAsync(_keys.Log, after, "+", BatchSize).ConfigureAwait(false);
            foreach (StreamEntry entry in entries)
            {
                RedisValue previousValue = entry["p"];
                long previous = previousValue.IsNull ? 0 : long.Parse((string)previousValue!, NumberStyles.None, CultureInfo.InvariantCulture);
                RoomEvent? roomEvent = RoomEvent.Parse(entry["e"], previous);
                if (roomEvent is null || roomEvent.Sequence <= _position)
                {
                    continue;
                }

                if (roomEvent.Previous > _position)
                {
                    _sink.MissedEvents(_position, roomEvent.Previous);
                }

                HandOver(roomEvent);
            }

            if (entries.Length < BatchSize)
            {
                return;
            }
        }
    }

    /// <summary>The position moves only once the members have it: if handing over throws, the event is read again.</summary>
    private void HandOver(RoomEvent roomEvent)
    {
        _sink.Deliver(roomEvent);
        _position = roomEvent.Sequence;
    }

    private async Task UnsubscribeAsync(ChannelMessageQueue subscription)
    {
        try
        {
            // This queue's subscription only: a newer reader of the same room keeps its own.
            await subscription.UnsubscribeAsync().ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            // Redis is away: the subscription goes with the connection, and is not made again for a queue unsubscribed.
            _log($"Room {_keys.EventsName}: unsubscribing failed ({RedisFailures.Describe(exception)})");
        }
    }
}
