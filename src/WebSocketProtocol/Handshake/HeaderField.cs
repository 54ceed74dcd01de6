namespace WebSocketProtocol.Handshake;

/// <summary>Where one header field's name and value (OWS trimmed) sit in the head's bytes.</summary>
internal readonly struct HeaderField
{
    public HeaderField(int nameStart, int nameLength, int valueStart, int valueLength)
    {
        NameStart = nameStart;
        NameLength = nameLength;
        ValueStart = valueStart;
        ValueLength = valueLength;
    }

    public int NameStart { get; }

    public int NameLength { get; }

    public int ValueStart { get; }

    public int ValueLength { get; }
}
