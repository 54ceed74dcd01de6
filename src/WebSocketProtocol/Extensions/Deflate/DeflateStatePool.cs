namespace WebSocketProtocol.Extensions.Deflate;

/// <summary>
/// Idle compressors and inflaters, by window size, kept for reuse. A connection without context takeover needs its state
/// only while a message is in flight, so a few shared instances serve many connections; the pool holds a bounded number,
/// and the rest are left to the collector.
/// </summary>
internal static class DeflateStatePool
{
    private const int MaxIdlePerSize = 8;

    private static readonly Stack<Deflater> s_deflaters = new();
    private static readonly Stack<Inflater> s_inflaters = new();

    /// <summary>A compressor with no history and a window of 2^<paramref name="windowBits"/> bytes.</summary>
    public static Deflater RentDeflater(int windowBits) => s_deflaters.TryPop(windowBits) ?? new Deflater(windowBits);

    /// <summary>Forgets <paramref name="deflater"/>'s history and keeps it for the next renter, if there is room.</summary>
    public static void Return(Deflater deflater)
    {
        deflater.Reset();
        s_deflaters.TryPush(deflater, deflater.WindowBits);
    }

    /// <summary>An inflater with no history and a window of 2^<paramref name="windowBits"/> bytes.</summary>
    public static Inflater RentInflater(int windowBits) => s_inflaters.TryPop(windowBits) ?? new Inflater(windowBits);

    /// <summary>Forgets <paramref name="inflater"/>'s history and keeps it for the next renter, if there is room.</summary>
    public static void Return(Inflater inflater)
    {
        inflater.Reset();
        s_inflaters.TryPush(inflater, inflater.WindowBits);
    }

    /// <summary>One small stack per window size (8 to 15) behind a lock: pushes and pops allocate nothing.</summary>
    private sealed class Stack<T>
        where T : class
    {
        private readonly T?[][] _items = CreateSlots();
        private readonly int[] _counts = new int[DeflateParameters.MaxWindowBits + 1];

        public T? TryPop(int windowBits)
        {
            lock (_items)
            {
                ref int count = ref _counts[windowBits];
                if (count == 0)
                {
                    return null;
                }

                T? item = _items[windowBits][--count];
                _items[windowBits][count] = null;
                return item;
            }
        }

        public void TryPush(T item, int windowBits)
        {
            lock (_items)
            {
                ref int count = ref _counts[windowBits];
                if (count < MaxIdlePerSize)
                {
                    _items[windowBits][count++] = item;
                }
            }
        }

        private static T?[][] CreateSlots()
        {
            var slots = new T?[DeflateParameters.MaxWindowBits + 1][];
            for (int i = 0; i < slots.Length; i++)
            {
                slots[i] = new T?[MaxIdlePerSize];
            }

            return slots;
        }
    }
}
