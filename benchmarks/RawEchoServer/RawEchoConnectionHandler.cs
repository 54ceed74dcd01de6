using System;
using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Connections;
using WebSocketProtocol.Framing;
using WebSocketProtocol.Handshake;

namespace WebSocketProtocol.Benchmarks.RawEchoServer;

/// <summary>
/// The least a WebSocket echo server on Kestrel's transport can do, as a bound for the others: reads the upgrade request
/// up to its blank line, answers 101 with the accept value, then parses frame headers, unmasks each payload straight into
/// the output as it arrives (any size, streamed) and writes it back unmasked with the same opcode and FIN, flushing once
/// per read. No protocol checks at all: no UTF-8 validation, no limits, no control-frame rules; a close is echoed and ends
/// the connection. Not a server to expose to anything.
/// </summary>
internal sealed class RawEchoConnectionHandler : ConnectionHandler
{
    private const int MaxHead = 16 * 1024;

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        PipeReader input = connection.Transport.Input;
        PipeWriter output = connection.Transport.Output;
        if (!await UpgradeAsync(input, output).ConfigureAwait(false))
        {
            return;
        }

        long remaining = 0;
        uint maskKey = 0;
        int maskOffset = 0;
        bool closing = false;
        while (true)
        {
            ReadResult result = await input.ReadAsync().ConfigureAwait(false);
            ReadOnlySequence<byte> buffer = result.Buffer;
            while (true)
            {
                if (remaining == 0)
                {
                    if (closing)
                    {
                        break;
                    }

                    if (!FrameHeader.TryParse(buffer, out FrameHeader header, out int headerLength))
                    {
                        break;
                    }

                    buffer = buffer.Slice(headerLength);
                    output.Advance(new FrameHeader(header.Opcode, header.PayloadLength, header.IsFinal, header.ReservedBits).Write(output.GetSpan(FrameHeader.MaxEncodedLength)));
                    remaining = header.PayloadLength;
                    maskKey = header.MaskKey;
                    maskOffset = 0;
                    closing = header.Opcode == Opcode.Close;
                    continue;
                }

                if (buffer.IsEmpty)
                {
                    break;
                }

                ReadOnlySequence<byte> payload = buffer.Slice(0, Math.Min(remaining, buffer.Length));
                foreach (ReadOnlyMemory<byte> segment in payload)
                {
                    ReadOnlySpan<byte> source = segment.Span;
                    while (!source.IsEmpty)
                    {
                        Span<byte> destination = output.GetSpan();
                        int count = Math.Min(destination.Length, source.Length);
                        maskOffset = PayloadMask.Apply(source.Slice(0, count), destination, maskKey, maskOffset);
                        output.Advance(count);
                        source = source.Slice(count);
                    }
                }

                remaining -= payload.Length;
                buffer = buffer.Slice(payload.End);
            }

            input.AdvanceTo(buffer.Start, buffer.End);
            FlushResult flushed = await output.FlushAsync().ConfigureAwait(false);
            if ((closing && remaining == 0) || result.IsCompleted || flushed.IsCompleted)
            {
                return;
            }
        }
    }

    /// <summary>Reads the request head and answers 101; false when the connection ended first or sent no key.</summary>
    private static async Task<bool> UpgradeAsync(PipeReader input, PipeWriter output)
    {
        while (true)
        {
            ReadResult result = await input.ReadAsync().ConfigureAwait(false);
            ReadOnlySequence<byte> buffer = result.Buffer;
            SequencePosition? end = FindBlankLine(buffer);
            if (end is SequencePosition headEnd)
            {
                byte[]? response = UpgradeResponse(Encoding.ASCII.GetString(buffer.Slice(0, headEnd)));
                input.AdvanceTo(headEnd);
                if (response is null)
                {
                    return false;
                }

                await output.WriteAsync(response).ConfigureAwait(false);
                return true;
            }

            if (result.IsCompleted || buffer.Length > MaxHead)
            {
                return false;
            }

            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>The 101 answer to an upgrade request's head, or null when it has no usable key.</summary>
    internal static byte[]? UpgradeResponse(string head)
    {
        string? key = HeaderValue(head, "Sec-WebSocket-Key");
        if (key is null || key.Length != WebSocketAccept.KeyLength)
        {
            return null;
        }

        byte[] accept = new byte[WebSocketAccept.AcceptLength];
        WebSocketAccept.ComputeAccept(Encoding.ASCII.GetBytes(key), accept);
        return Encoding.ASCII.GetBytes(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
            Encoding.ASCII.GetString(accept) + "\r\n\r\n");
    }

    private static SequencePosition? FindBlankLine(ReadOnlySequence<byte> buffer)
    {
        var reader = new SequenceReader<byte>(buffer);
        return reader.TryReadTo(out ReadOnlySequence<byte> _, "\r\n\r\n"u8, advancePastDelimiter: true) ? reader.Position : null;
    }

    private static string? HeaderValue(string head, string name)
    {
        foreach (string line in head.Split("\r\n"))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line.AsSpan(0, colon).Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return line.Substring(colon + 1).Trim();
            }
        }

        return null;
    }
}
