using System;
using System.Buffers;
using WebSocketProtocol.Framing;

namespace WebSocketProtocol.Extensions.Deflate;

/// <summary>
/// permessage-deflate (RFC 7692) as agreed for one connection: the parameters both sides settled on, and the compression
/// state the connection uses to send and receive. State is created on the first compressed message; without context
/// takeover it is borrowed from a shared pool for one message at a time, so an idle connection holds none.
/// </summary>
public sealed class PerMessageDeflateExtension : WebSocketExtension
{
    private readonly bool _outboundTakeover;
    private readonly bool _inboundTakeover;
    private readonly int _outboundWindowBits;
    private readonly int _inboundWindowBits;

    private Deflater? _deflater;
    private Inflater? _inflater;

    internal PerMessageDeflateExtension(WebSocketRole role, bool serverNoContextTakeover, bool clientNoContextTakeover, int serverMaxWindowBits, int clientMaxWindowBits, int compressionThreshold)
    {
        Role = role;
        ServerNoContextTakeover = serverNoContextTakeover;
        ClientNoContextTakeover = clientNoContextTakeover;
        ServerMaxWindowBits = serverMaxWindowBits;
        ClientMaxWindowBits = clientMaxWindowBits;
        CompressionThreshold = compressionThreshold;
        bool server = role == WebSocketRole.Server;
        _outboundTakeover = server ? !serverNoContextTakeover : !clientNoContextTakeover;
        _inboundTakeover = server ? !clientNoContextTakeover : !serverNoContextTakeover;
        _outboundWindowBits = server ? serverMaxWindowBits : clientMaxWindowBits;
        _inboundWindowBits = server ? clientMaxWindowBits : serverMaxWindowBits;
    }

    /// <summary>The registered name, <c>permessage-deflate</c>.</summary>
    public const string ExtensionName = "permessage-deflate";

    /// <inheritdoc/>
    public override string Name => ExtensionName;

    /// <inheritdoc/>
    /// <remarks>RSV1 marks the first frame of a compressed message (RFC 7692 section 6).</remarks>
    public override ReservedBits ReservedBits => ReservedBits.Rsv1;

    /// <summary>The side this end plays.</summary>
    public WebSocketRole Role { get; }

    /// <summary>Whether the server compresses each message without reference to earlier ones.</summary>
    public bool ServerNoContextTakeover { get; }

    /// <summary>Whether the client compresses each message without reference to earlier ones.</summary>
    public bool ClientNoContextTakeover { get; }

    /// <summary>The server's compression window, as a power of two (8 to 15).</summary>
    public int ServerMaxWindowBits { get; }

    /// <summary>The client's compression window, as a power of two (8 to 15).</summary>
    public int ClientMaxWindowBits { get; }

    /// <summary>Messages shorter than this go out uncompressed.</summary>
    public int CompressionThreshold { get; }

    /// <summary>
    /// Compresses the next part of an outgoing message. Calls for one message follow each other; the sender holds its
    /// message lock, so the compressor is never shared.
    /// </summary>
    internal void Compress(ReadOnlySpan<byte> data, bool endOfMessage, IBufferWriter<byte> output)
    {
        Deflater deflater = _deflater ??= DeflateStatePool.RentDeflater(_outboundWindowBits);
        deflater.CompressMessage(data, output, endOfMessage);
        if (endOfMessage && !_outboundTakeover)
        {
            _deflater = null;
            DeflateStatePool.Return(deflater);
        }
    }

    /// <summary>
    /// Forgets what this side has compressed so far: the next message refers to nothing before it. For a message that goes
    /// uncompressed after all, which the peer's window never takes in, so no later message may point into it. The peer's
    /// window then holds more than the compressor remembers, which is harmless: a reference only reaches back into it.
    /// </summary>
    internal void ForgetOutboundContext() => _deflater?.Reset();

    /// <summary>Inflates the next bytes of an incoming compressed message; only the receiving thread calls this.</summary>
    internal InflateStatus Inflate(ReadOnlySpan<byte> input, Span<byte> output, out int consumed, out int written)
    {
        Inflater inflater = _inflater ??= DeflateStatePool.RentInflater(_inboundWindowBits);
        return inflater.Inflate(input, output, out consumed, out written);
    }

    /// <summary>Whether compression state is held right now (for tests of when it is taken and let go).</summary>
    internal bool HoldsState => _deflater is not null || _inflater is not null;

    /// <summary>Whether the message's data ended its DEFLATE stream (a final block), after which the tail is not read.</summary>
    internal bool InboundStreamEnded => _inflater is { IsStreamEnded: true };

    /// <summary>
    /// Ends an incoming message once its data and tail are inflated: returns whether the data stopped between blocks, as
    /// valid data does, and lets go of the state when the peer does not take over context.
    /// </summary>
    internal bool EndInboundMessage()
    {
        Inflater? inflater = _inflater;
        if (inflater is null)
        {
            return true;
        }

        bool complete = inflater.IsAtBlockBoundary;
        if (!_inboundTakeover || inflater.IsStreamEnded || !complete)
        {
            // A stream that ended with a final block starts afresh; so does a failed one (the connection is failing anyway).
            _inflater = null;
            DeflateStatePool.Return(inflater);
        }

        return complete;
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        // The state may still be in use by a receive or send that the dispose cut short, so it is not pooled, only dropped.
        _deflater = null;
        _inflater = null;
        base.Dispose(disposing);
    }
}
