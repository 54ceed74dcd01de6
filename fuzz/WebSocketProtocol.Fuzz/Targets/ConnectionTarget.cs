using System.Net.WebSockets;
using System;
using System.Buffers;
using System.IO.Pipelines;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Connection;
using WebSocketProtocol.Extensions;
using WebSocketProtocol.Extensions.Deflate;
using WebSocketProtocol.Fuzz.Support;

namespace WebSocketProtocol.Fuzz.Targets;

/// <summary>
/// Bytes from the wire into a <see cref="WebSocketConnection"/>'s receive, after a handshake that may have agreed
/// permessage-deflate: reassembly, control frames, the closing handshake, inflating and UTF-8 all run. Every message handed
/// out must respect the size limit and, as text, be valid UTF-8; the receive must end (with a close or a protocol error)
/// once the input has.
/// </summary>
/// <remarks>
/// Input: byte 0 bit 0 the role (0 server), bit 1 permessage-deflate agreed, bit 2 the peer takes over no context, bits
/// 3-4 how the wire bytes are cut (<see cref="ChunkPlan"/>), bits 5-7 a seed; byte 1 bits 0-1 the segment size, bits 2-5
/// the message limit (125 bytes shifted left that many times, at most 13), bits 6-7 the receive call (whole messages, or
/// pieces into a 1, 7 or 4096-byte buffer). The rest is the wire.
/// </remarks>
internal sealed class ConnectionTarget : IFuzzTarget
{
    private static readonly int[] PieceSizes = { 0, 1, 7, 4096 };

    public string Name => "connection";

    public void Run(ReadOnlySpan<byte> input)
    {
        var settings = new FuzzInput(input);
        byte first = settings.TakeByte();
        byte second = settings.TakeByte();
        ReadOnlySpan<byte> wire = settings.Rest;

        WebSocketRole role = (first & 1) == 0 ? WebSocketRole.Server : WebSocketRole.Client;
        var options = new WebSocketConnectionOptions(role)
        {
            KeepAliveInterval = Timeout.InfiniteTimeSpan,
            MaxMessageSize = (long)Framing.FrameHeader.MaxControlPayloadLength << Math.Min((second >> 2) & 15, 13),
        };
        WebSocketExtension[] extensions = (first & 2) == 0
            ? Array.Empty<WebSocketExtension>()
            : new WebSocketExtension[]
            {
                new PerMessageDeflateExtension(role, serverNoContextTakeover: (first & 4) != 0, clientNoContextTakeover: (first & 4) != 0, serverMaxWindowBits: 15, clientMaxWindowBits: 15, compressionThreshold: 0),
            };

        Pipe incoming = InlinePipe.Create(second);
        var outgoing = new Pipe(new PipeOptions(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, pauseWriterThreshold: 0, resumeWriterThreshold: 0, useSynchronizationContext: false));
        using var connection = new WebSocketConnection(incoming.Reader, outgoing.Writer, options, extensions: extensions);
        Task receiving = ReceiveAllAsync(connection, options.MaxMessageSize, PieceSizes[second >> 6]);
        var plan = new ChunkPlan(first >> 3, (uint)(first >> 5) | ((uint)second << 3));
        InlinePipe.Feed(incoming.Writer, wire, ref plan);
        InlinePipe.RequireFinished(receiving, "The connection's receive");
        receiving.GetAwaiter().GetResult();
    }

    private static async Task ReceiveAllAsync(WebSocketConnection connection, long limit, int pieceSize)
    {
        byte[] piece = new byte[Math.Max(pieceSize, 1)];
        var message = new ArrayBufferWriter<byte>();
        try
        {
            while (true)
            {
                if (pieceSize == 0)
                {
                    WebSocketMessage whole = await connection.ReceiveMessageAsync().ConfigureAwait(false);
                    if (whole.MessageType == WebSocketMessageType.Close)
                    {
                        return;
                    }

                    Check(whole.MessageType, whole.Data.Span, limit);
                    continue;
                }

                ReceiveResult result = await connection.ReceiveAsync(piece).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                if (message.WrittenCount + result.Count > limit)
                {
                    throw new FuzzFindingException($"A message grew past the {limit}-byte limit.");
                }

                message.Write(piece.AsSpan(0, result.Count));
                if (result.EndOfMessage)
                {
                    Check(result.MessageType, message.WrittenSpan, limit);
                    message.Clear();
                }
            }
        }
        catch (WebSocketProtocolException)
        {
        }
    }

    private static void Check(WebSocketMessageType type, ReadOnlySpan<byte> data, long limit)
    {
        if (data.Length > limit)
        {
            throw new FuzzFindingException($"A {data.Length}-byte message came through a {limit}-byte limit.");
        }

        if (type == WebSocketMessageType.Text && !System.Text.Unicode.Utf8.IsValid(data))
        {
            throw new FuzzFindingException("A text message that is not valid UTF-8 came through.");
        }
    }
}
