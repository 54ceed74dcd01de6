using System.Threading.Tasks;

namespace ChatServer.Chat.Redis;

/// <summary>What <see cref="RedisPresenceHeartbeat"/> beats: a room that renews its members' names in Redis.</summary>
internal interface IPresenceHeartbeatTarget
{
    /// <summary>The room's name, for reports.</summary>
    string Name { get; }

    /// <summary>One beat: renew, take back, reap.</summary>
    Task HeartbeatAsync();
}
