using System;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Connection;

namespace WebSocketProtocol.Benchmarks;

/// <summary>Receives one whole message into a caller's buffer with each stack, the way an application loop does.</summary>
public static class MessageReceive
{
    /// <summary>ManagedWebSocket: <c>ReceiveAsync(Memory&lt;byte&gt;)</c> until the end of the message.</summary>
    public static async ValueTask<int> ManagedAsync(System.Net.WebSockets.WebSocket webSocket, Memory<byte> buffer)
    {
        int received = 0;
        System.Net.WebSockets.ValueWebSocketReceiveResult result;
        do
        {
            result = await webSocket.ReceiveAsync(buffer.Slice(received), CancellationToken.None).ConfigureAwait(false);
            received += result.Count;
        }
        while (!result.EndOfMessage);

        return received;
    }

    /// <summary>Ours: <see cref="WebSocketConnection.ReceiveAsync"/> until the end of the message.</summary>
    public static async ValueTask<int> OursAsync(WebSocketConnection connection, Memory<byte> buffer)
    {
        int received = 0;
        ReceiveResult result;
        do
        {
            result = await connection.ReceiveAsync(buffer.Slice(received)).ConfigureAwait(false);
            received += result.Count;
        }
        while (!result.EndOfMessage);

        return received;
    }
}
