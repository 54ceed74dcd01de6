namespace WebSocketProtocol.Fuzz.Support;

/// <summary>
/// How a target's data is cut into the pieces that arrive one by one: whole, a byte at a time, or pseudo-random sizes
/// from a seed the input carries, so a piece boundary can fall anywhere and every run of an input cuts it the same way.
/// </summary>
internal struct ChunkPlan
{
    private readonly int _mode;
    private uint _state;

    /// <summary>The low two bits of <paramref name="mode"/> choose the sizes; <paramref name="seed"/> drives the random ones.</summary>
    public ChunkPlan(int mode, uint seed)
    {
        _mode = mode & 3;
        _state = (seed * 2654435761u) | 1;
    }

    /// <summary>The size of the next piece, at most <paramref name="remaining"/> (which is positive).</summary>
    public int Next(int remaining)
    {
        int size = _mode switch
        {
            0 => remaining,
            1 => 1,
            2 => 1 + (int)(NextRandom() % 16),
            _ => 1 + (int)(NextRandom() % 2048),
        };
        return size < remaining ? size : remaining;
    }

    /// <summary>A pseudo-random number from the same sequence, for choices other than sizes.</summary>
    public uint NextRandom()
    {
        // xorshift32: tiny, deterministic, good enough to scatter boundaries.
        uint x = _state;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        _state = x;
        return x;
    }
}
