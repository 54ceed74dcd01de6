using System.Net.WebSockets;
using System;
using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using WebSocketProtocol.Connection;

namespace WebSocketProtocol.Tests.Connection;

/// <summary>
/// Messages that check themselves: each carries its sequence number and length, then a pattern that changes with every
/// byte, so a message that arrives cut, merged, out of order, or read from a buffer after its return (full of poison)
/// fails <see cref="Check"/>. Binary messages carry the header as integers, text messages as hexadecimal digits and letters.
/// </summary>
internal static class StressMessages
{
    private const int BinaryHeader = 8;
    private const int TextHeader = 16;

    /// <summary>The shortest message of <paramref name="type"/>: its header.</summary>
    public static int MinimumLength(WebSocketMessageType type) => type == WebSocketMessageType.Text ? TextHeader : BinaryHeader;

    /// <summary>Message <paramref name="sequence"/> of <paramref name="length"/> bytes (at least the header).</summary>
    public static byte[] Create(int sequence, int length, WebSocketMessageType type)
    {
        length = Math.Max(length, MinimumLength(type));
        var message = new byte[length];
        if (type == WebSocketMessageType.Text)
        {
            Encoding.ASCII.GetBytes(sequence.ToString("x8", CultureInfo.InvariantCulture) + length.ToString("x8", CultureInfo.InvariantCulture), message);
        }
        else
        {
            BinaryPrimitives.WriteInt32LittleEndian(message, sequence);
            BinaryPrimitives.WriteInt32LittleEndian(message.AsSpan(4), length);
        }

        for (int i = MinimumLength(type); i < length; i++)
        {
            message[i] = Expected(sequence, i, type);
        }

        return message;
    }

    /// <summary>
    /// Null when <paramref name="data"/> is a whole, intact message that follows <paramref name="lastSequence"/> (which then
    /// moves on; messages may be missing, as when a close discards them, but never repeat or go back); else what is wrong.
    /// </summary>
    public static string? Check(ReadOnlySpan<byte> data, WebSocketMessageType type, ref int lastSequence)
    {
        if (data.Length < MinimumLength(type))
        {
            return $"a {type} message of {data.Length} bytes, shorter than its header";
        }

        int sequence, length;
        if (type == WebSocketMessageType.Text)
        {
            if (!int.TryParse(Encoding.ASCII.GetString(data.Slice(0, 8)), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out sequence)
                || !int.TryParse(Encoding.ASCII.GetString(data.Slice(8, 8)), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out length))
            {
                return $"a text message whose header is not hexadecimal: {Convert.ToHexString(data.Slice(0, 16))}";
            }
        }
        else
        {
            sequence = BinaryPrimitives.ReadInt32LittleEndian(data);
            length = BinaryPrimitives.ReadInt32LittleEndian(data.Slice(4));
        }

        if (length != data.Length)
        {
            return $"{type} message {sequence} arrived with {data.Length} of its {length} bytes";
        }

        if (sequence <= lastSequence)
        {
            return $"{type} message {sequence} arrived after message {lastSequence}";
        }

        for (int i = MinimumLength(type); i < data.Length; i++)
        {
            if (data[i] != Expected(sequence, i, type))
            {
                return $"{type} message {sequence} of {length} bytes is corrupt from byte {i} (0x{data[i]:X2}, expected 0x{Expected(sequence, i, type):X2})";
            }
        }

        lastSequence = sequence;
        return null;
    }

    private static byte Expected(int sequence, int index, WebSocketMessageType type) => type == WebSocketMessageType.Text
        ? (byte)('a' + (int)((((uint)sequence * 31) + ((uint)index * 7)) % 26))
        : (byte)((sequence * 31) + (index * 7) + 1);
}
