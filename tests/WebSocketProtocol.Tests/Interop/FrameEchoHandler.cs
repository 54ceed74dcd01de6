using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Framing;
using WebSocketProtocol.Handshake;

namespace WebSocketProtocol.Tests.Interop;

/// <summary>
/// A server-side connection handler for <see cref="LoopbackWebSocketServer"/> built from this library's own pieces:
/// <see cref="HandshakeNegotiator.AcceptAsync"/>, then <see cref="FrameReader"/> and <see cref="FrameWriter"/> in the
/// server role. It answers text with <c>textReply(text)</c>, echoes binary, answers ping with pong, and answers a close
/// frame with a close frame carrying the same code and reason, then ends (the server then closes the TCP connection).
/// What it saw is recorded for the test to check once the handler has ended.
/// </summary>
/// <remarks>Records one connection: give each server that accepts a single connection its own instance.</remarks>
internal sealed class FrameEchoHandler
{
    private readonly WebSocketServerOptions _options;
    private readonly Func<string, string> _textReply;
    private readonly List<ReceivedMessage> _received = new();

    public FrameEchoHandler(WebSocketServerOptions options, Func<string, string>? textReply = null)
    {
        _options = options;
        _textReply = textReply ?? (text => text);
    }

    /// <summary>The outcome of the opening handshake; meaningful once the handler has ended.</summary>
    public ServerHandshakeResult Handshake { get; private set; }

    /// <summary>Every message read, in order, including the closing one.</summary>
    public IReadOnlyList<ReceivedMessage> Received => _received;

    /// <summary>Whether the peer's TCP connection ended before any close frame was read.</summary>
    public bool EndedWithoutClose { get; private set; }

    /// <summary>Server options offering the subprotocol <c>chat</c>, with the default (same-origin) origin policy.</summary>
    public static WebSocketServerOptions ChatOptions()
    {
        var options = new WebSocketServerOptions();
        options.SubProtocols.Add("chat");
        return options;
    }

    public async Task HandleAsync(LoopbackConnection connection, CancellationToken cancellationToken)
    {
        Handshake = await HandshakeNegotiator.AcceptAsync(connection.Input, connection.Output, _options, cancellationToken).ConfigureAwait(false);
        if (Handshake.Outcome != HandshakeOutcome.Accepted)
        {
            return;
        }

        var reader = new FrameReader(connection.Input, new FrameReaderOptions(WebSocketRole.Server));
        var writer = new FrameWriter(connection.Output, WebSocketRole.Server);
        while (true)
        {
            ReceivedMessage? message = await InteropFrames.ReadMessageAsync(reader, cancellationToken).ConfigureAwait(false);
            if (message is null)
            {
                EndedWithoutClose = true;
                return;
            }

            _received.Add(message);
            switch (message.Opcode)
            {
                case Opcode.Text:
                    writer.WriteFrame(Opcode.Text, InteropFrames.Utf8(_textReply(message.Text)));
                    break;
                case Opcode.Binary:
                    writer.WriteFrame(Opcode.Binary, message.Payload);
                    break;
                case Opcode.Ping:
                    writer.WritePong(message.Payload);
                    break;
                case Opcode.Pong:
                    continue;
                case Opcode.Close:
                    if (message.Payload.Length == 0)
                    {
                        writer.WriteClose();
                    }
                    else
                    {
                        (ushort code, string reason) = InteropFrames.ParseCloseBody(message.Payload);
                        writer.WriteClose((CloseStatus)code, reason);
                    }

                    await connection.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
                    return;
                default:
                    throw new InvalidOperationException($"Unexpected {message.Opcode} message.");
            }

            await connection.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
