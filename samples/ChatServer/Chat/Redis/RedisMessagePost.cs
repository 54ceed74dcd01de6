using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace ChatServer.Chat.Redis;

/// <summary>
/// One message on its way into a room's log, until its fate is known and its sender told. The first attempt goes out at
/// once, in the order the sender's messages came (the connection keeps the order of commands). If Redis answers, that is
/// the end: stored (the sender's own copy, coming back through the log like everyone's, confirms it) or stored already
/// (a retry: the sender gets <c>duplicate</c>). If the attempt surely did nothing (no connection), the sender gets
/// <c>unavailable</c> at once. If nobody can know (a time-out), the sender gets <c>pending</c> and the message is tried
/// again, with the same key, so that it is stored once however many attempts get through; after
/// <see cref="StoreFor"/>, the server gives it up instead: it fences every attempt (none can store it any more) and asks
/// whether one did, and the sender gets the message or a final <c>unavailable</c>. All of it ends when the sender leaves.
/// </summary>
internal sealed class RedisMessagePost
{
    /// <summary>How long a message whose fate is unknown is tried again before it is given up.</summary>
    public static readonly TimeSpan StoreFor = TimeSpan.FromSeconds(60);

    /// <summary>How long a given-up attempt stays fenced: far longer than a command can wait in a socket of a Redis that runs.</summary>
    public static readonly TimeSpan FenceFor = TimeSpan.FromMinutes(10);

    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan LastRetry = TimeSpan.FromSeconds(4);

    private readonly RedisChatNode _node;
    private readonly RedisRoomKeys _keys;
    private readonly RedisRoomMember _sender;
    private readonly ChatEntry _entry;
    private readonly string _messageKey;
    private readonly List<string> _attempts = new();

    public RedisMessagePost(RedisChatNode node, RedisRoomKeys keys, RedisRoomMember sender, ChatEntry entry)
    {
        _node = node;
        _keys = keys;
        _sender = sender;
        _entry = entry;
        // Without a client id, one of the server's own ('~' is no id's character): its retries are still stored once.
        _messageKey = RecentMessageKeys.Of(entry.From, entry.Id ?? "~" + node.NewToken());
    }

    /// <summary>Settles the message; the first attempt is made before this returns its task.</summary>
    public async Task RunAsync()
    {
        DateTime giveUpAt = DateTime.UtcNow + StoreFor;
        TimeSpan retry = FirstRetry;
        bool mayHaveStored = false;
        bool toldPending = false;
        while (!_sender.Gone.IsCancellationRequested)
        {
            try
            {
                if (DateTime.UtcNow < giveUpAt)
                {
                    if (await TryStoreAsync().ConfigureAwait(false))
                    {
                        return;
                    }
                }
                else if (await TryGiveUpAsync().ConfigureAwait(false))
                {
                    return;
                }
            }
            catch (Exception exception) when (RedisFailures.SurelyNotDone(exception) && !mayHaveStored)
            {
                // Nothing of it reached Redis: a true answer, at once.
                _sender.Member.Send(ChatProtocol.Error("unavailable", "The chat cannot reach its shared store right now: that message was not sent.", _entry.Id));
                return;
            }
            catch (Exception exception)
            {
                // Any other failure (a time-out above all) may have stored it or not: the sender waits for the answer.
                mayHaveStored |= !RedisFailures.SurelyNotDone(exception);
                if (!toldPending)
                {
                    toldPending = true;
                    _sender.Member.Send(ChatProtocol.Pending("message", _entry.Id));
                }
            }

            try
            {
                await Task.Delay(retry, _sender.Gone).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, LastRetry.Ticks));
        }
    }

    /// <summary>One attempt to store the message; true once its fate is known (and the sender told, where it must be).</summary>
    private async Task<bool> TryStoreAsync()
    {
        string token = _node.NewToken();
        _attempts.Add(token);
        var result = (RedisResult[])(await _node.Database.ScriptEvaluateAsync(
            RedisMessageScripts.Post,
            [_keys.Sequence, _keys.History, _keys.Log, _keys.MessageIds, _keys.Fence(token)],
            [_keys.EventsName, _node.LogLimit, _node.HistoryLimit, _messageKey, RoomEvent.MessageBody(_entry), _node.MessageIdLimit]).ConfigureAwait(false))!;
        switch ((string?)result[0])
        {
            case "stored":
                return true;
            case "duplicate":
                if (_entry.Id is { } id)
                {
                    _sender.Member.Send(ChatProtocol.Duplicate(id));
                }

                return true;
            default:
                // "fenced" cannot answer a token made just now; try again.
                return false;
        }
    }

    /// <summary>Fences every attempt made and learns whether one stored the message; true once it knows.</summary>
    private async Task<bool> TryGiveUpAsync()
    {
        RedisKey[] keys = [_keys.MessageIds, .. _attempts.Select(_keys.Fence)];
        var result = (RedisResult[])(await _node.Database.ScriptEvaluateAsync(
            RedisMessageScripts.GiveUp, keys, [_messageKey, (long)FenceFor.TotalMilliseconds]).ConfigureAwait(false))!;
        if ((string?)result[0] != "stored")
        {
            _sender.Member.Send(ChatProtocol.Error("unavailable", "The chat's shared store did not answer for too long: that message was not sent.", _entry.Id));
        }

        // Stored: the sender's own copy comes back through the log, as for any message.
        return true;
    }
}
