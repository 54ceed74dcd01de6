using System;
using System.Buffers;
using System.Buffers.Binary;
using System.IO;
using System.Net.WebSockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Framing;

namespace WebSocketProtocol.Tests.Interop;

/// <summary>A whole message read with <see cref="InteropFrames.ReadMessageAsync"/>: a control frame, or a data frame and its continuations.</summary>
/// <param name="Opcode">The first frame's opcode (Text, Binary or a control opcode).</param>
/// <param name="Payload">The unmasked payload of every frame, concatenated.</param>
/// <param name="FrameCount">How many frames carried it.</param>
/// <param name="AllMasked">Whether every one of those frames was masked.</param>
internal sealed record ReceivedMessage(Opcode Opcode, byte[] Payload, int FrameCount, bool AllMasked)
{
    public string Text => new UTF8Encoding(false, true).GetString(Payload);
}

/// <summary>Message-level helpers over the frame layer, for interop tests (there is no message-level connection class yet).</summary>
internal static class InteropFrames
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    public static byte[] Utf8(string text) => StrictUtf8.GetBytes(text);

    /// <summary>A deterministic payload in which no run of bytes repeats with a short period, so a misplaced piece shows.</summary>
    public static byte[] Pattern(int length)
    {
        var bytes = new byte[length];
        for (int i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)((i * 31) ^ (i >> 8) ^ (i >> 16));
        }

        return bytes;
    }

    /// <summary>
    /// Reads the next message: a control frame on its own, or a data frame followed by its continuation frames up to FIN.
    /// Payloads are taken in pieces (<see cref="FrameReader.ReadHeaderAsync"/> / <see cref="FrameReader.ReadPayloadAsync"/>),
    /// so no frame has to fit in the pipe at once. Returns <see langword="null"/> when the input ended cleanly between messages.
    /// </summary>
    /// <exception cref="InvalidDataException">The frames do not form a message (a stray continuation, a control frame or a
    /// new data frame inside a fragmented message, or the input ending inside one).</exception>
    public static async Task<ReceivedMessage?> ReadMessageAsync(FrameReader reader, CancellationToken cancellationToken = default)
    {
        var payload = new ArrayBufferWriter<byte>();
        Opcode? opcode = null;
        int frames = 0;
        bool allMasked = true;
        while (true)
        {
            if (!await reader.ReadHeaderAsync(cancellationToken).ConfigureAwait(false))
            {
                return opcode is null
                    ? null
                    : throw new InvalidDataException($"The input ended inside a fragmented {opcode} message after {frames} frames.");
            }

            FrameHeader header = reader.Current.Header;
            if (opcode is null)
            {
                if (header.Opcode == Opcode.Continuation)
                {
                    throw new InvalidDataException("A continuation frame arrived with no message to continue.");
                }

                opcode = header.Opcode;
            }
            else if (header.Opcode != Opcode.Continuation)
            {
                throw new InvalidDataException($"A {header.Opcode} frame arrived inside a fragmented {opcode} message.");
            }

            frames++;
            allMasked &= header.IsMasked;
            while (await reader.ReadPayloadAsync(cancellationToken).ConfigureAwait(false))
            {
                Frame piece = reader.Current;
                int written = piece.CopyPayloadTo(payload.GetSpan((int)piece.Payload.Length));
                payload.Advance(written);
            }

            if (header.IsFinal)
            {
                return new ReceivedMessage(opcode.Value, payload.WrittenSpan.ToArray(), frames, allMasked);
            }
        }
    }

    /// <summary>Reads the next message and fails the test when there is none.</summary>
    public static async Task<ReceivedMessage> ReadRequiredMessageAsync(FrameReader reader, CancellationToken cancellationToken = default) =>
        await ReadMessageAsync(reader, cancellationToken).ConfigureAwait(false)
        ?? throw new InvalidDataException("The connection ended where a message was expected.");

    /// <summary>Splits a close frame's body into its status code and UTF-8 reason (RFC 6455 section 5.5.1).</summary>
    public static (ushort Code, string Reason) ParseCloseBody(byte[] body)
    {
        if (body.Length < 2)
        {
            throw new InvalidDataException($"The close body has {body.Length} bytes; a status code needs 2.");
        }

        return (BinaryPrimitives.ReadUInt16BigEndian(body), StrictUtf8.GetString(body, 2, body.Length - 2));
    }

    /// <summary>The bytes a close frame with <paramref name="code"/> and <paramref name="reason"/> carries.</summary>
    public static byte[] CloseBody(ushort code, string reason)
    {
        byte[] reasonBytes = Utf8(reason);
        var body = new byte[2 + reasonBytes.Length];
        BinaryPrimitives.WriteUInt16BigEndian(body, code);
        reasonBytes.CopyTo(body, 2);
        return body;
    }

    /// <summary>Receives one whole message on a <see cref="WebSocket"/>, however many receives it takes.</summary>
    public static async Task<(WebSocketMessageType Type, byte[] Payload)> ReceiveMessageAsync(WebSocket socket, CancellationToken cancellationToken = default)
    {
        var payload = new ArrayBufferWriter<byte>();
        while (true)
        {
            ValueWebSocketReceiveResult result = await socket.ReceiveAsync(payload.GetMemory(16 * 1024), cancellationToken).ConfigureAwait(false);
            payload.Advance(result.Count);
            if (result.EndOfMessage)
            {
                return (result.MessageType, payload.WrittenSpan.ToArray());
            }
        }
    }
}
