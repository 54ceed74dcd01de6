namespace ChatServer.Chat;

/// <summary>How a <c>join</c> ended.</summary>
internal enum JoinOutcome
{
    /// <summary>The member is in the room under the name it asked for.</summary>
    Joined,

    /// <summary>Someone in the room already has that name (compared case-insensitively).</summary>
    NameTaken,

    /// <summary>
    /// The room's shared store (Redis) could not be reached and the join was not done (or was undone): the member holds no
    /// name and may try again.
    /// </summary>
    Unavailable,
}
