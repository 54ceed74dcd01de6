namespace ChatServer.Chat;

/// <summary>
/// How often one member's <c>typing</c> notices reach the room. A notice is a hint that the page shows for a few seconds
/// and then drops by itself, so the server relays at most one a second per member and drops the rest without an answer:
/// a client that sends one per keystroke costs the room no more than one that paces itself. Notices are not stored, not
/// counted against the message rates and, with <c>--redis</c>, reach only the members on the sender's server.
/// </summary>
internal sealed class TypingNotices
{
    /// <summary>Notices relayed a second per member, on average and at most in a burst.</summary>
    public const double PerSecond = 1;

    private readonly RateLimiter _limiter = new(PerSecond, PerSecond);

    /// <summary>Whether a notice from this member may go to the room now; false drops it.</summary>
    public bool TryRelay() => _limiter.TryTake();
}
