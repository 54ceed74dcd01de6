using System;
using StackExchange.Redis;

namespace ChatServer.Chat.Redis;

/// <summary>
/// What a failed Redis call says about what happened in Redis. Only two kinds of failure prove that nothing was done: a
/// command the client never wrote to a socket (no connection, so it failed at once), and a refusal that Redis gives
/// before it runs anything (still loading, a read-only replica, a master without enough replicas, persistence failing, a
/// script already running). Everything else (a time-out above all, or a connection lost after the command went out) may
/// have been done or not, and is settled later: an answer of <c>unavailable</c> to a member must be true.
/// </summary>
internal static class RedisFailures
{
    /// <summary>Whether the call that threw <paramref name="exception"/> surely did nothing in Redis.</summary>
    public static bool SurelyNotDone(Exception exception) => exception switch
    {
        RedisConnectionException { CommandStatus: CommandStatus.WaitingToBeSent or CommandStatus.WaitingInBacklog } => true,
        RedisServerException server => IsRefusedBeforeRunning(server.Message),
        _ => false,
    };

    /// <summary>A short description for the log.</summary>
    public static string Describe(Exception exception) => exception.GetType().Name + ": " + exception.Message;

    // The error replies Redis gives from its own state before running a command (or the first write of a script, when
    // no write can have succeeded before it). OOM is left out: a script may have written before its first refused write.
    private static bool IsRefusedBeforeRunning(string message) =>
        message.StartsWith("LOADING", StringComparison.Ordinal)
        || message.StartsWith("READONLY", StringComparison.Ordinal)
        || message.StartsWith("MASTERDOWN", StringComparison.Ordinal)
        || message.StartsWith("NOREPLICAS", StringComparison.Ordinal)
        || message.StartsWith("MISCONF", StringComparison.Ordinal)
        || message.StartsWith("BUSY", StringComparison.Ordinal);
}
