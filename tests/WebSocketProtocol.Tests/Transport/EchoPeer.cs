using System;
using System.Collections.Generic;
using System.IO.Pipelines;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Connection;
using WebSocketProtocol.Extensions.Deflate;
using WebSocketProtocol.Handshake;
using WebSocketProtocol.Tests.Interop;

namespace WebSocketProtocol.Tests.Transport;

/// <summary>
/// The server the client tests connect to: this library's handshake (permessage-deflate and the subprotocol <c>chat</c> on
/// offer), then a server connection that echoes every message with its type and answers the close. The frames it sends go
/// through a <see cref="FrameTap"/>, so a test can see that its replies really were compressed.
/// </summary>
/// <remarks>Records one connection: give each server its own instance.</remarks>
internal sealed class EchoPeer
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private readonly TaskCompletionSource<IReadOnlyList<TappedFrame>> _sent = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The frames the server sent, once its connection has ended; faults if the handler failed.</summary>
    public Task<IReadOnlyList<TappedFrame>> SentFrames => _sent.Task;

    public Task HandleAsync(LoopbackConnection transport, CancellationToken cancellationToken) => HandleAsync(transport.Input, transport.Output, cancellationToken);

    public async Task HandleAsync(PipeReader input, PipeWriter output, CancellationToken cancellationToken)
    {
        try
        {
            var options = new WebSocketServerOptions { OriginPolicy = OriginPolicy.Any };
            options.SubProtocols.Add("chat");
            options.Extensions.Add(new PerMessageDeflateServerFactory());
            ServerHandshakeResult handshake = await HandshakeNegotiator.AcceptAsync(input, output, options, cancellationToken).AsTask().WaitAsync(Bound, cancellationToken);
            if (handshake.Outcome != HandshakeOutcome.Accepted)
            {
                throw new InvalidOperationException($"The handshake was not accepted: {handshake.Outcome} {handshake.Error}.");
            }

            // Disposed after the connection (declared first), so the frames it wrote last are seen.
            await using FrameTap sent = FrameTap.OnOutput(output, WebSocketRole.Server);
            using (var connection = new WebSocketConnection(input, sent.Output, WebSocketConnectionOptions.ForServer(), handshake.SubProtocol, handshake.Extensions))
            {
                while (true)
                {
                    WebSocketMessage message = await connection.ReceiveMessageAsync(cancellationToken).AsTask().WaitAsync(Bound, cancellationToken);
                    if (message.MessageType == WebSocketMessageType.Close)
                    {
                        await connection.CloseAsync(CloseStatus.NormalClosure, null, cancellationToken).WaitAsync(Bound, cancellationToken);
                        break;
                    }

                    await connection.SendAsync(message.Data, message.MessageType, cancellationToken).AsTask().WaitAsync(Bound, cancellationToken);
                }
            }

            await sent.DisposeAsync();
            _sent.TrySetResult(sent.Frames);
        }
        catch (Exception exception)
        {
            _sent.TrySetException(exception);
            throw;
        }
    }
}
