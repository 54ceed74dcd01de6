using System;
using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;

namespace WebSocketProtocol.Framing;

/// <summary>
/// Writes RFC 6455 frames into a <see cref="System.IO.Pipelines.PipeWriter"/> or any <see cref="IBufferWriter{T}"/>, allocating nothing.
/// In the client role every frame is masked with a fresh key from a CSPRNG, masking as the payload is copied, so the
/// caller's memory is never modified.
/// </summary>
/// <remarks>
/// Writing does not flush: call <c>FlushAsync</c> on the pipe writer when a batch of frames is ready.
/// Not thread-safe: one caller writes at a time, and a frame begun with <see cref="WriteHeader"/> must be finished with
/// <see cref="WritePayload"/> before the next frame.
/// </remarks>
public sealed class FrameWriter
{
    // Into any writer but a Pipe's, a frame up to this size is written with one GetSpan and one Advance; longer ones go
    // in pieces, so no writer is asked for an outsized buffer.
    private const int MaxSingleSpan = 128 * 1024;

    // Into a Pipe, only a frame this small is asked for whole. A Pipe serves a span larger than its pool's blocks from
    // outside the pool, from the shared ArrayPool, which hundreds of queued 64 KiB frames outgrow (the runtime's share of
    // a server's profile tripled); in pieces, a frame fills the pool's own blocks. Other writers keep MaxSingleSpan: a
    // stream's pipe writer sends each of its buffers with a write of its own, so there one buffer per frame is one write.
    private const int MaxSingleSpanInPipe = 4 * 1024;

    private const int MaxCloseReasonBytes = FrameHeader.MaxControlPayloadLength - sizeof(ushort);

    // The type of a Pipe's writer, which is not public: how a writer that is a Pipe's is told from any other.
    private static readonly Type s_pipeWriterType = new Pipe().Writer.GetType();

    private readonly IBufferWriter<byte> _output;
    private readonly MaskKeyGenerator? _maskKeys;
    private readonly int _maxSingleSpan;

    private long _streamRemaining;
    private uint _streamMaskKey;
    private int _streamPhase;

    /// <summary>Creates a writer for <paramref name="role"/> over <paramref name="output"/>.</summary>
    public FrameWriter(IBufferWriter<byte> output, WebSocketRole role)
    {
        _output = output ?? throw new ArgumentNullException(nameof(output));
        Role = role;
        _maskKeys = role == WebSocketRole.Client ? new MaskKeyGenerator() : null;
        _maxSingleSpan = output.GetType() == s_pipeWriterType ? MaxSingleSpanInPipe : MaxSingleSpan;
    }

    /// <summary>The side this writer plays: a client masks every frame, a server none (RFC 6455 section 5.1).</summary>
    public WebSocketRole Role { get; }

    /// <summary>The maximum length of a close reason in UTF-8 bytes: 125 less the 2-byte code (RFC 6455 section 5.5.1).</summary>
    public static int MaxCloseReasonLength => MaxCloseReasonBytes;

    /// <summary>Writes one frame with <paramref name="payload"/>.</summary>
    /// <param name="opcode">A defined opcode.</param>
    /// <param name="payload">The payload; it is copied (and masked, for a client) into the output.</param>
    /// <param name="isFinal">FIN: whether this frame ends its message. Control frames must be final.</param>
    /// <param name="reservedBits">RSV1-3, for an extension that defines them.</param>
    public void WriteFrame(Opcode opcode, ReadOnlySpan<byte> payload, bool isFinal = true, ReservedBits reservedBits = ReservedBits.None)
    {
        FrameHeader header = CreateHeader(opcode, payload.Length, isFinal, reservedBits);
        int headerLength = header.EncodedLength;
        int total = headerLength + payload.Length;
        Span<byte> span = _output.GetSpan(Math.Min(total, _maxSingleSpan));
        if (span.Length >= total)
        {
            header.WriteUnchecked(span);
            CopyPayload(payload, span.Slice(headerLength), header.IsMasked, header.MaskKey, 0);
            _output.Advance(total);
            return;
        }

        header.WriteUnchecked(span);
        _output.Advance(headerLength);
        WritePayloadPieces(payload, header.IsMasked, header.MaskKey, 0);
    }

    /// <summary>
    /// Writes only the header of a frame whose <paramref name="payloadLength"/> bytes will follow through
    /// <see cref="WritePayload"/>, so a large payload can be streamed without being held in memory.
    /// </summary>
    /// <param name="opcode">A defined opcode.</param>
    /// <param name="payloadLength">The exact number of payload bytes that will follow.</param>
    /// <param name="isFinal">FIN: whether this frame ends its message.</param>
    /// <param name="reservedBits">RSV1-3, for an extension that defines them.</param>
    public void WriteHeader(Opcode opcode, long payloadLength, bool isFinal = true, ReservedBits reservedBits = ReservedBits.None)
    {
        FrameHeader header = CreateHeader(opcode, payloadLength, isFinal, reservedBits);
        Span<byte> span = _output.GetSpan(FrameHeader.MaxEncodedLength);
        _output.Advance(header.WriteUnchecked(span));
        _streamRemaining = payloadLength;
        _streamMaskKey = header.MaskKey;
        _streamPhase = 0;
    }

    /// <summary>Writes the next piece of the payload announced by <see cref="WriteHeader"/>.</summary>
    /// <param name="payload">No more than the bytes still owed.</param>
    public void WritePayload(ReadOnlySpan<byte> payload)
    {
        if (payload.Length > _streamRemaining)
        {
            ThrowHelper.ThrowArgument(nameof(payload), "The payload is longer than the rest of the frame announced by WriteHeader.");
        }

        _streamPhase = WritePayloadPieces(payload, _maskKeys is not null, _streamMaskKey, _streamPhase);
        _streamRemaining -= payload.Length;
    }

    /// <summary>The number of payload bytes still owed to the frame begun with <see cref="WriteHeader"/>.</summary>
    public long PendingPayloadLength => _streamRemaining;

    /// <summary>Writes a ping carrying at most 125 bytes of application data (RFC 6455 section 5.5.2).</summary>
    /// <param name="payload">Application data the pong will echo.</param>
    public void WritePing(ReadOnlySpan<byte> payload = default) => WriteFrame(Opcode.Ping, payload);

    /// <summary>Writes a pong carrying at most 125 bytes, normally the payload of the ping it answers (RFC 6455 section 5.5.3).</summary>
    /// <param name="payload">The application data to echo.</param>
    public void WritePong(ReadOnlySpan<byte> payload = default) => WriteFrame(Opcode.Pong, payload);

    /// <summary>Writes a close frame with no body, which tells the peer no status code was given (RFC 6455 section 5.5.1).</summary>
    public void WriteClose() => WriteFrame(Opcode.Close, ReadOnlySpan<byte>.Empty);

    /// <summary>Writes a close frame with a status code and no reason.</summary>
    /// <param name="status">A code that may appear on the wire (not 1005, 1006 or 1015).</param>
    public void WriteClose(CloseStatus status) => WriteClose(status, ReadOnlySpan<char>.Empty);

    /// <summary>Writes a close frame with a status code and a reason of at most 123 UTF-8 bytes.</summary>
    /// <param name="status">A code that may appear on the wire (not 1005, 1006 or 1015).</param>
    /// <param name="reason">A human-readable reason; unpaired surrogates are refused.</param>
    public void WriteClose(CloseStatus status, ReadOnlySpan<char> reason)
    {
        Span<byte> body = stackalloc byte[FrameHeader.MaxControlPayloadLength];
        WriteFrame(Opcode.Close, body.Slice(0, FormatCloseBody(status, reason, body)));
    }

    /// <summary>Writes a close frame with a status code and a reason already encoded as UTF-8 (at most 123 bytes).</summary>
    /// <param name="status">A code that may appear on the wire (not 1005, 1006 or 1015).</param>
    /// <param name="utf8Reason">The reason as UTF-8; the caller vouches for its validity.</param>
    public void WriteClose(CloseStatus status, ReadOnlySpan<byte> utf8Reason)
    {
        ValidateCloseStatus(status);
        if (utf8Reason.Length > MaxCloseReasonBytes)
        {
            ThrowHelper.ThrowArgument(nameof(utf8Reason), "A close reason is at most 123 UTF-8 bytes (RFC 6455 section 5.5).");
        }

        Span<byte> body = stackalloc byte[FrameHeader.MaxControlPayloadLength];
        BinaryPrimitives.WriteUInt16BigEndian(body, (ushort)status);
        utf8Reason.CopyTo(body.Slice(sizeof(ushort)));
        WriteFrame(Opcode.Close, body.Slice(0, sizeof(ushort) + utf8Reason.Length));
    }

    /// <summary>
    /// Writes a frame encoded once by <see cref="PreparedFrame"/>: a server copies its bytes as they are; a client writes the
    /// same frame under a fresh mask, since a client frame must never reuse a key.
    /// </summary>
    /// <param name="frame">The prepared frame.</param>
    public void WritePrepared(PreparedFrame frame)
    {
        if (frame is null)
        {
            throw new ArgumentNullException(nameof(frame));
        }

        if (_maskKeys is null)
        {
            EnsureNotStreaming();
            WritePayloadPieces(frame.Encoded.Span, isMasked: false, 0, 0);
            return;
        }

        FrameHeader header = frame.Header;
        WriteFrame(header.Opcode, frame.Payload.Span, header.IsFinal, header.ReservedBits);
    }

    /// <summary>Encodes a close body (code then reason) into <paramref name="destination"/> and returns its length.</summary>
    internal static int FormatCloseBody(CloseStatus status, ReadOnlySpan<char> reason, Span<byte> destination)
    {
        ValidateCloseStatus(status);
        int reasonLength = Utf8Encoder.GetByteCount(reason);
        if (reasonLength > MaxCloseReasonBytes)
        {
            ThrowHelper.ThrowArgument(nameof(reason), "A close reason is at most 123 UTF-8 bytes (RFC 6455 section 5.5).");
        }

        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)status);
        return sizeof(ushort) + Utf8Encoder.GetBytes(reason, destination.Slice(sizeof(ushort)));
    }

    /// <summary>Checks the arguments of an outgoing frame against RFC 6455 sections 5.2 and 5.5.</summary>
    internal static void ValidateOutgoing(Opcode opcode, long payloadLength, bool isFinal)
    {
        if (!opcode.IsDefined())
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(opcode), "Reserved opcodes cannot be sent (RFC 6455 section 5.2).");
        }

        if (opcode.IsControl())
        {
            if (payloadLength > FrameHeader.MaxControlPayloadLength)
            {
                ThrowHelper.ThrowArgument(nameof(payloadLength), "A control frame carries at most 125 bytes (RFC 6455 section 5.5).");
            }

            if (!isFinal)
            {
                ThrowHelper.ThrowArgument(nameof(isFinal), "A control frame cannot be fragmented (RFC 6455 section 5.5).");
            }
        }
    }

    private static void ValidateCloseStatus(CloseStatus status)
    {
        if (!CloseStatusRules.IsSendable((ushort)status))
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(status), $"Close code {(ushort)status} may not be sent (RFC 6455 section 7.4).");
        }
    }

    private FrameHeader CreateHeader(Opcode opcode, long payloadLength, bool isFinal, ReservedBits reservedBits)
    {
        EnsureNotStreaming();
        ValidateOutgoing(opcode, payloadLength, isFinal);
        return _maskKeys is null
            ? new FrameHeader(opcode, payloadLength, isFinal, reservedBits)
            : new FrameHeader(opcode, payloadLength, isFinal, reservedBits, isMasked: true, _maskKeys.Next());
    }

    private void EnsureNotStreaming()
    {
        if (_streamRemaining != 0)
        {
            ThrowHelper.ThrowInvalidOperation("The payload of the frame begun with WriteHeader has not been written to its end.");
        }
    }

    private static int CopyPayload(ReadOnlySpan<byte> payload, Span<byte> destination, bool isMasked, uint maskKey, int phase)
    {
        if (isMasked)
        {
            return PayloadMask.Apply(payload, destination, maskKey, phase);
        }

        payload.CopyTo(destination);
        return phase;
    }

    private int WritePayloadPieces(ReadOnlySpan<byte> payload, bool isMasked, uint maskKey, int phase)
    {
        while (!payload.IsEmpty)
        {
            Span<byte> span = _output.GetSpan();
            int count = Math.Min(span.Length, payload.Length);
            phase = CopyPayload(payload.Slice(0, count), span, isMasked, maskKey, phase);
            _output.Advance(count);
            payload = payload.Slice(count);
        }

        return phase;
    }
}
