using System;
using System.Diagnostics;

namespace ChatServer.Chat;

/// <summary>A token bucket: <c>rate</c> tokens a second on average, bursts of up to <c>burst</c>. Not thread-safe.</summary>
internal sealed class RateLimiter
{
    private readonly double _rate;
    private readonly double _burst;
    private double _tokens;
    private long _lastTimestamp;

    public RateLimiter(double rate, double burst)
    {
        _rate = rate;
        _burst = burst;
        _tokens = burst;
        _lastTimestamp = Stopwatch.GetTimestamp();
    }

    /// <summary>Whether the bucket has refilled completely: taking from it now is as if it had never been used.</summary>
    public bool IsFull
    {
        get
        {
            Refill();
            return _tokens >= _burst;
        }
    }

    /// <summary>Takes one token if there is one.</summary>
    public bool TryTake()
    {
        Refill();
        if (_tokens < 1)
        {
            return false;
        }

        _tokens--;
        return true;
    }

    private void Refill()
    {
        long now = Stopwatch.GetTimestamp();
        _tokens = Math.Min(_burst, _tokens + (Stopwatch.GetElapsedTime(_lastTimestamp, now).TotalSeconds * _rate));
        _lastTimestamp = now;
    }
}
