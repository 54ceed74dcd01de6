using System;

namespace WebSocketProtocol.Extensions.Deflate;

/// <summary>
/// The policy for permessage-deflate (RFC 7692) on one side. A server states what it agrees to and prefers; a client states
/// what it offers. The defaults take over context in both directions with 32 KiB windows, as browsers offer.
/// </summary>
public sealed class PerMessageDeflateOptions
{
    private int _serverMaxWindowBits = MaxWindowBits;
    private int _clientMaxWindowBits = MaxWindowBits;
    private int _compressionThreshold = 32;

    /// <summary>The smallest window size a peer may ask for, as a power of two (RFC 7692 section 7.1.2).</summary>
    public const int MinWindowBits = 8;

    /// <summary>The largest window size, 32 KiB, as a power of two (RFC 7692 section 7.1.2).</summary>
    public const int MaxWindowBits = 15;

    /// <summary>
    /// Whether the server compresses each message on its own. A server that sets it always answers
    /// <c>server_no_context_takeover</c>, and holds compression state only while it sends; a client that sets it asks the
    /// server for that. Default <see langword="false"/>.
    /// </summary>
    public bool ServerNoContextTakeover { get; set; }

    /// <summary>
    /// Whether the client compresses each message on its own. A server that sets it answers
    /// <c>client_no_context_takeover</c> (RFC 7692 section 7.1.1.2 lets it), and holds inflate state only while it receives;
    /// a client that sets it offers that. Default <see langword="false"/>.
    /// </summary>
    public bool ClientNoContextTakeover { get; set; }

    /// <summary>
    /// The largest window the server compresses with, 8 to 15. A server never uses more than this or what the client
    /// allows; a client below 15 asks for <c>server_max_window_bits</c>. Default 15.
    /// </summary>
    public int ServerMaxWindowBits
    {
        get => _serverMaxWindowBits;
        set => _serverMaxWindowBits = CheckWindowBits(value);
    }

    /// <summary>
    /// The largest window the client compresses with, 8 to 15. A server below 15 answers <c>client_max_window_bits</c> and
    /// declines an offer that does not let it set that; a client below 15 offers the value. Default 15.
    /// </summary>
    public int ClientMaxWindowBits
    {
        get => _clientMaxWindowBits;
        set => _clientMaxWindowBits = CheckWindowBits(value);
    }

    /// <summary>
    /// Messages shorter than this many bytes are sent uncompressed, where DEFLATE's few bytes of framing would outweigh the
    /// gain. A message streamed in fragments is always compressed. Default 32.
    /// </summary>
    public int CompressionThreshold
    {
        get => _compressionThreshold;
        set => _compressionThreshold = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), "The threshold cannot be negative.");
    }

    private static int CheckWindowBits(int value) => value is >= MinWindowBits and <= MaxWindowBits
        ? value
        : throw new ArgumentOutOfRangeException(nameof(value), "A window size is 8 to 15 bits (RFC 7692 section 7.1.2).");
}
