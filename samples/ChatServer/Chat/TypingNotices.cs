namespace ChatServer.Chat;

/// <summary>
/// How often one member's <c>typing</c> notices reach the room. A notice is a hint that the page shows for a few seconds
/// and then drops by itself, so the server relays one a second per member (two in a row, for a page that sends one when
/// its reader starts typing again right after sending) and drops the rest without an answer:
/// a client that sends one per keystroke costs the room no more than one that paces itself. Notices are not stored, not
/// counted against the message rates and, with <c>--redis</c>, reach only the members on the sender's server.
/// </summary>
internal sealed class TypingNotices
{
    /// <summary>Notices relayed a second per member, on average.</summary>
    public const double PerSecond = 1;

    /// <summary>Notices relayed in a row at most.</summary>
    public const double Burst = 2;

    private readonly RateLimiter _limiter = new(PerSecond, Burst);

    /// <summary>Whether a notice from this member may go to the room now; false drops it.</summary>
    public bool TryRelay() => _limiter.TryTake();
}
