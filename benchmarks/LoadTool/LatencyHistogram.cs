using System;
using System.Numerics;

namespace WebSocketProtocol.LoadTool;

/// <summary>
/// Round-trip times in nanoseconds, counted in log-linear buckets (exact below 64 ns, then 32 buckets per power of two,
/// about 3% wide), so recording costs an increment and a whole run fits in a few kilobytes. One per connection, merged at
/// the end; not thread-safe.
/// </summary>
public sealed class LatencyHistogram
{
    private const int LinearBuckets = 64;
    private const int SubBucketBits = 5;
    private const int FirstExponent = 6;
    private readonly long[] _counts = new long[LinearBuckets + ((64 - FirstExponent) << SubBucketBits)];

    /// <summary>How many values were recorded.</summary>
    public long Count { get; private set; }

    /// <summary>Records one round trip of <paramref name="nanoseconds"/>.</summary>
    public void Record(long nanoseconds)
    {
        _counts[BucketOf(Math.Max(0, nanoseconds))]++;
        Count++;
    }

    /// <summary>Adds every value recorded in <paramref name="other"/>.</summary>
    public void Add(LatencyHistogram other)
    {
        ArgumentNullException.ThrowIfNull(other);
        for (int i = 0; i < _counts.Length; i++)
        {
            _counts[i] += other._counts[i];
        }

        Count += other.Count;
    }

    /// <summary>The value below which <paramref name="percentile"/> percent of the recorded values lie (a bucket's midpoint), or 0 when empty.</summary>
    public double PercentileNanoseconds(double percentile)
    {
        if (Count == 0)
        {
            return 0;
        }

        long rank = Math.Max(1, (long)Math.Ceiling(Count * percentile / 100));
        long seen = 0;
        for (int i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                (long low, long width) = BucketRange(i);
                return low + (width / 2.0);
            }
        }

        return 0;
    }

    private static int BucketOf(long value)
    {
        if (value < LinearBuckets)
        {
            return (int)value;
        }

        int exponent = 63 - BitOperations.LeadingZeroCount((ulong)value);
        int subBucket = (int)(value >> (exponent - SubBucketBits)) & ((1 << SubBucketBits) - 1);
        return LinearBuckets + ((exponent - FirstExponent) << SubBucketBits) + subBucket;
    }

    private static (long Low, long Width) BucketRange(int bucket)
    {
        if (bucket < LinearBuckets)
        {
            return (bucket, 1);
        }

        int exponent = ((bucket - LinearBuckets) >> SubBucketBits) + FirstExponent;
        int subBucket = (bucket - LinearBuckets) & ((1 << SubBucketBits) - 1);
        long width = 1L << (exponent - SubBucketBits);
        return ((1L << exponent) + (subBucket * width), width);
    }
}
