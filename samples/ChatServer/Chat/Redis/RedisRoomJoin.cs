using System;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace ChatServer.Chat.Redis;

/// <summary>
/// One member's join of a Redis room, until its fate is known. Every attempt runs the join script with the member's own
/// token, so attempts are idempotent: one that got through before its answer was lost makes the next one find the name
/// already its own. An attempt that surely did nothing (no connection) ends the join at once with <c>unavailable</c>; one
/// whose fate is unknown (a time-out) gets the member <c>pending</c> and is tried again until Redis answers, for at most
/// <see cref="JoinFor"/>. A join that ends refused or given up (or whose connection ended) and may have taken the name
/// is undone: the leave script fences the token first, so no attempt still on its way can take the name afterwards, and
/// only then is the member told <c>unavailable</c>. So a refused join holds no name.
/// </summary>
internal sealed class RedisRoomJoin
{
    /// <summary>How long a join whose fate is unknown is tried again before it is given up and undone.</summary>
    public static readonly TimeSpan JoinFor = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan LastRetry = TimeSpan.FromSeconds(4);

    private readonly RedisChatNode _node;
    private readonly RedisChatRoom _room;
    private readonly RedisRoomMember _member;

    public RedisRoomJoin(RedisChatNode node, RedisChatRoom room, RedisRoomMember member)
    {
        _node = node;
        _room = room;
        _member = member;
    }

    /// <summary>Why the join ended without joining, once <see cref="RunAsync"/> returned null.</summary>
    public JoinOutcome Outcome { get; private set; } = JoinOutcome.Unavailable;

    /// <summary>
    /// Joins; returns the join script's answer (<c>joined</c>, sequence, names, history), or null when the member did not
    /// join (then <see cref="Outcome"/> says why, and the member holds no name). <paramref name="abandoned"/> says the
    /// connection ended: the join stops trying and undoes itself.
    /// </summary>
    public async Task<RedisResult[]?> RunAsync(CancellationToken abandoned)
    {
        DateTime giveUpAt = DateTime.UtcNow + JoinFor;
        TimeSpan retry = FirstRetry;
        bool toldPending = false;
        while (!abandoned.IsCancellationRequested && DateTime.UtcNow < giveUpAt)
        {
            try
            {
                var result = (RedisResult[])(await _room.RunJoinAsync(_member, withHistory: true).ConfigureAwait(false))!;
                switch ((string?)result[0])
                {
                    case "joined":
                        return result;
                    case "taken":
                        Outcome = JoinOutcome.NameTaken;
                        await UndoAsync(abandoned).ConfigureAwait(false);
                        return null;
                    default:
                        // Fenced: only an undone join's token is, and this one was not undone. Refused, and held nothing.
                        Outcome = JoinOutcome.Unavailable;
                        return null;
                }
            }
            catch (Exception exception) when (RedisFailures.SurelyNotDone(exception) && !_member.JoinMayHaveApplied)
            {
                // No attempt reached Redis: a true unavailable, at once.
                Outcome = JoinOutcome.Unavailable;
                return null;
            }
            catch (Exception exception)
            {
                if (!RedisFailures.SurelyNotDone(exception))
                {
                    _member.JoinMayHaveApplied = true;
                }

                if (!toldPending && !abandoned.IsCancellationRequested)
                {
                    toldPending = true;
                    _member.Member.Send(ChatProtocol.Pending("join", null));
                }
            }

            try
            {
                await Task.Delay(retry, abandoned).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, LastRetry.Ticks));
        }

        Outcome = JoinOutcome.Unavailable;
        await UndoAsync(abandoned).ConfigureAwait(false);
        return null;
    }

    /// <summary>
    /// Gives back the name an attempt may have taken, fencing the token, and waits until Redis has done it, so that a
    /// refusal is true; for a connection that ended, one try (else the name, if taken, expires after the presence TTL).
    /// </summary>
    private async Task UndoAsync(CancellationToken abandoned)
    {
        TimeSpan retry = FirstRetry;
        while (_member.JoinMayHaveApplied && !await _room.LeaveInRedisAsync(_member).ConfigureAwait(false))
        {
            if (abandoned.IsCancellationRequested)
            {
                _node.Log($"Room {_room.Name}: a join of {_member.Name} whose connection ended could not be undone; the name expires instead");
                return;
            }

            try
            {
                await Task.Delay(retry, abandoned).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // One more try, then the loop gives up.
            }

            retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, LastRetry.Ticks));
        }
    }
}
