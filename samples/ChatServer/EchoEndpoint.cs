using System.Net.WebSockets;
using System;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol;
using WebSocketProtocol.Connection;

namespace ChatServer;

/// <summary><c>/echo</c>: every message goes back with its own type, so a conformance suite can drive the server.</summary>
internal static class EchoEndpoint
{
    public static async Task RunAsync(WebSocketConnection connection, CancellationToken stopping)
    {
        try
        {
            while (true)
            {
                using WebSocketMessage message = await connection.ReceiveMessageAsync(stopping);
                if (message.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                await connection.SendAsync(message.Data, message.MessageType, stopping);
            }
        }
        catch (WebSocketProtocolException)
        {
            // The connection already sent the right close code and dropped the transport.
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            await connection.CloseAsync(CloseStatus.GoingAway, "server shutting down", CancellationToken.None);
        }
        catch (OperationCanceledException) when (connection.State == WebSocketState.Closed)
        {
            // Aborted while the receive waited (cut off, or dropped at the close timeout): nothing more to do here.
        }
    }
}
