namespace ChatServer.Chat.Redis;

/// <summary>What a <see cref="RoomEvent"/> says happened.</summary>
internal enum RoomEventKind
{
    /// <summary>A chat message (the only kind kept as history).</summary>
    Message,

    /// <summary>A member took a name in the room (or took it again after Redis lost it).</summary>
    Join,

    /// <summary>A member left, was cut off, or its server stopped renewing its name.</summary>
    Leave,
}
