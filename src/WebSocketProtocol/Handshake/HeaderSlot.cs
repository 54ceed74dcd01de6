namespace WebSocketProtocol.Handshake;

/// <summary>The fields of one header name in a request: the index of the first and how many there are.</summary>
internal readonly struct HeaderSlot
{
    private readonly int _firstPlusOne;

    private HeaderSlot(int first, int count)
    {
        _firstPlusOne = first + 1;
        Count = count;
    }

    /// <summary>The first field's index, or -1 when there is none.</summary>
    public int First => _firstPlusOne - 1;

    /// <summary>How many fields carry the name.</summary>
    public int Count { get; }

    /// <summary>This slot with field <paramref name="index"/> counted.</summary>
    public HeaderSlot Add(int index) => Count == 0 ? new HeaderSlot(index, 1) : new HeaderSlot(First, Count + 1);
}
