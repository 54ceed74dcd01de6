namespace WebSocketProtocol.Extensions.Deflate;

/// <summary>Why <see cref="Inflater.Inflate"/> returned.</summary>
internal enum InflateStatus
{
    /// <summary>All input was taken; give more to go on.</summary>
    NeedsInput,

    /// <summary>The output is full; give more room to go on (some input may be left).</summary>
    OutputFull,

    /// <summary>The input is not a valid DEFLATE stream (RFC 1951); the inflater stays failed.</summary>
    InvalidData,
}
