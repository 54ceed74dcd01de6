using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using ChatServer.Chat.Redis;
using Xunit;

namespace WebSocketProtocol.Tests.Samples;

/// <summary>
/// The chat server's presence heartbeat (linked from the sample): were its loop to stop, every name the server holds in
/// Redis would expire and its members would be reaped from the other servers' rooms. So whatever a room's beat throws is
/// reported, and the loop beats on, for that room and every other.
/// </summary>
public class RedisPresenceHeartbeatTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(typeof(InvalidOperationException))]
    [InlineData(typeof(NullReferenceException))]
    [InlineData(typeof(KeyNotFoundExceptionLike))]
    public async Task A_beat_that_throws_any_exception_is_reported_and_the_loop_beats_on_for_every_room(Type thrown)
    {
        var failing = new Room("failing", () => throw (Exception)Activator.CreateInstance(thrown, "injected")!);
        var healthy = new Room("healthy", () => { });
        var log = new ConcurrentQueue<string>();
        await using (var heartbeat = new RedisPresenceHeartbeat(() => [failing, healthy], TimeSpan.FromMilliseconds(10), log.Enqueue))
        {
            heartbeat.Start();
            await Task.WhenAll(failing.BeatenAsync(3), healthy.BeatenAsync(3)).WaitAsync(Bound);
        }

        Assert.Contains(log, line => line.Contains("room failing", StringComparison.Ordinal) && line.Contains(thrown.Name, StringComparison.Ordinal) && line.Contains("injected", StringComparison.Ordinal));
        Assert.DoesNotContain(log, line => line.Contains("room healthy", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_beat_asked_for_runs_before_the_interval_is_up()
    {
        var room = new Room("room", () => { });
        await using var heartbeat = new RedisPresenceHeartbeat(() => [room], TimeSpan.FromHours(1), _ => { });
        heartbeat.Start();
        heartbeat.RunNow();
        await room.BeatenAsync(1).WaitAsync(Bound);
    }

    /// <summary>An exception type the heartbeat has never heard of.</summary>
    public sealed class KeyNotFoundExceptionLike(string message) : Exception(message);

    private sealed class Room(string name, Action beat) : IPresenceHeartbeatTarget
    {
        private readonly SemaphoreSlim _beats = new(0);

        public string Name { get; } = name;

        public Task HeartbeatAsync()
        {
            _beats.Release();
            beat();
            return Task.CompletedTask;
        }

        public async Task BeatenAsync(int times)
        {
            for (int i = 0; i < times; i++)
            {
                await _beats.WaitAsync();
            }
        }
    }
}
