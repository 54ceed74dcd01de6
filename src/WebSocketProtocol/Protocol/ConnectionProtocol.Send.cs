using System;
using System.Net.WebSockets;
using WebSocketProtocol.Extensions;
using WebSocketProtocol.Framing;
using WebSocketProtocol.Text;

namespace WebSocketProtocol.Protocol;

/// <content>
/// The send side: messages as frames (opcodes and continuations in order, permessage-deflate, masking for a client as the
/// payload is copied, never in place), pings and prepared frames. Called by one thread at a time, the holder of the shell's
/// send lock, which flushes afterwards.
/// </content>
internal sealed partial class ConnectionProtocol
{
    // The message being sent in fragments: whether one is, whether it is compressed, and its text so far.
    private bool _sendingMessage;
    private bool _sendingCompressed;
    private Utf8Validator _sendUtf8;

    /// <summary>Whether a message was begun with <see cref="WriteFragment"/> and not yet ended.</summary>
    public bool IsSendingMessage => _sendingMessage;

    /// <summary>Whether a message of <paramref name="length"/> bytes would be compressed (permessage-deflate agreed, at its threshold).</summary>
    public bool Compresses(int length) => _deflate is not null && length >= _deflate.CompressionThreshold;

    /// <summary>
    /// Writes a whole message as one frame; with <paramref name="mayCompress"/> and permessage-deflate agreed, compressed
    /// when it is at least the threshold, unless compression would not make it smaller. The caller checked text.
    /// </summary>
    /// <exception cref="InvalidOperationException">Our close has gone out, the connection ended, or a message is between its fragments.</exception>
    public void WriteMessage(ReadOnlySpan<byte> payload, WebSocketMessageType messageType, bool mayCompress)
    {
        EnsureCanSendMessage();
        Opcode opcode = ToOpcode(messageType);
        if (mayCompress && Compresses(payload.Length))
        {
            using PooledBufferWriter compressed = PooledBufferWriter.Rent();
            _deflate!.Compress(payload, endOfMessage: true, compressed);

            if (compressed.WrittenCount < payload.Length)
            {
                _writer.WriteFrame(opcode, compressed.WrittenSpan, isFinal: true, ReservedBits.Rsv1);
                return;
            }

            // RFC 7692 section 6: compression is chosen per message, and data DEFLATE cannot shrink goes as it is, RSV1
            // clear. The peer inflates nothing of it, so its window never holds it: with context takeover the compressor
            // forgets its history (this message with it) rather than let a later message refer to bytes the peer lacks.
            _deflate.ForgetOutboundContext();
        }

        _writer.WriteFrame(opcode, payload, isFinal: true);
    }

    /// <summary>
    /// Writes the next fragment of a message as one frame: the first call starts it (its type, and whether it is compressed:
    /// <paramref name="compress"/> with permessage-deflate agreed), later ones are continuations, the one with
    /// <paramref name="endOfMessage"/> ends it. With <paramref name="validateText"/>, text is checked across the fragments
    /// first, and a refused fragment leaves the message as it was, to be continued.
    /// </summary>
    /// <exception cref="ArgumentException">Text that is not valid UTF-8 (RFC 6455 section 5.6).</exception>
    /// <exception cref="InvalidOperationException">Our close has gone out, or the connection ended.</exception>
    public void WriteFragment(ReadOnlySpan<byte> fragment, WebSocketMessageType messageType, bool endOfMessage, bool compress, bool validateText)
    {
        EnsureCanSend();
        Opcode opcode = _sendingMessage ? Opcode.Continuation : ToOpcode(messageType);
        if (validateText && messageType == WebSocketMessageType.Text)
        {
            Utf8Validator utf8 = _sendingMessage ? _sendUtf8 : default;
            if (!utf8.TryValidate(fragment, endOfMessage))
            {
                ThrowHelper.ThrowArgument(nameof(fragment), "A text message must be valid UTF-8 (RFC 6455 section 5.6).");
            }

            _sendUtf8 = utf8;
        }

        if (!_sendingMessage)
        {
            _sendingCompressed = compress && _deflate is not null;
        }

        if (_sendingCompressed)
        {
            // Compressing under the send lock means the compressor's history only ever holds what was written.
            using PooledBufferWriter compressed = PooledBufferWriter.Rent();
            _deflate!.Compress(fragment, endOfMessage, compressed);
            _writer.WriteFrame(opcode, compressed.WrittenSpan, endOfMessage, opcode == Opcode.Continuation ? ReservedBits.None : ReservedBits.Rsv1);
        }
        else
        {
            _writer.WriteFrame(opcode, fragment, endOfMessage);
        }

        _sendingMessage = !endOfMessage;
    }

    /// <summary>
    /// Gives up a message begun with <see cref="WriteFragment"/> that cannot be finished (its send failed): the next message
    /// starts afresh. The peer, whose message never ends, fails the connection or is already gone.
    /// </summary>
    public void AbandonMessage() => _sendingMessage = false;

    /// <summary>Writes a frame encoded once for many connections, as a whole message.</summary>
    /// <exception cref="InvalidOperationException">Our close has gone out, the connection ended, or a message is between its fragments.</exception>
    public void WritePrepared(PreparedFrame frame)
    {
        EnsureCanSendMessage();
        _writer.WritePrepared(frame);
    }

    /// <summary>Writes a ping (at most 125 bytes); false, writing nothing, once our close has gone out (section 5.5.1).</summary>
    public bool WritePing(ReadOnlySpan<byte> payload)
    {
        if (CloseSent || IsEnded)
        {
            return false;
        }

        _writer.WriteFrame(Opcode.Ping, payload);
        return true;
    }

    private void EnsureCanSendMessage()
    {
        EnsureCanSend();
        if (_sendingMessage)
        {
            ThrowHelper.ThrowInvalidOperation("A message is being sent in fragments; another cannot start before it ends.");
        }
    }

    private void EnsureCanSend()
    {
        if (CloseSent || IsEnded)
        {
            ThrowHelper.ThrowInvalidOperation("The connection is closing or closed; no more messages can be sent.");
        }
    }

    private static Opcode ToOpcode(WebSocketMessageType messageType) => messageType switch
    {
        WebSocketMessageType.Text => Opcode.Text,
        WebSocketMessageType.Binary => Opcode.Binary,
        _ => throw new ArgumentOutOfRangeException(nameof(messageType), "Send text or binary; close with a close frame."),
    };
}
