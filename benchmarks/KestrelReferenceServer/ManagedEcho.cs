using System;
using System.Buffers;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;

namespace WebSocketProtocol.Benchmarks.KestrelReferenceServer;

/// <summary>
/// Echoes every message on a ManagedWebSocket the way a competent .NET developer would: a buffer rented from
/// <see cref="ArrayPool{T}"/> and grown by doubling for long messages, <see cref="ValueWebSocketReceiveResult"/> receives
/// (no allocation per message), the whole message sent back with its type in one call. One receive loop is the only
/// sender on its socket, so no send lock is needed.
/// </summary>
internal static class ManagedEcho
{
    private const int InitialBuffer = 16 * 1024;
    private const int MaxMessageSize = 16 * 1024 * 1024;

    public static async Task RunAsync(WebSocket socket, CancellationToken aborted)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(InitialBuffer);
        try
        {
            while (true)
            {
                int length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (length == buffer.Length)
                    {
                        if (buffer.Length >= MaxMessageSize)
                        {
                            await socket.CloseAsync(WebSocketCloseStatus.MessageTooBig, "message too big", aborted).ConfigureAwait(false);
                            return;
                        }

                        byte[] larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                        buffer.AsSpan(0, length).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = larger;
                    }

                    result = await socket.ReceiveAsync(buffer.AsMemory(length), aborted).ConfigureAwait(false);
                    length += result.Count;
                }
                while (!result.EndOfMessage);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, aborted).ConfigureAwait(false);
                    return;
                }

                await socket.SendAsync(buffer.AsMemory(0, length), result.MessageType, endOfMessage: true, aborted).ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (exception is WebSocketException or OperationCanceledException)
        {
            // The client went away or broke the protocol; ManagedWebSocket has already dealt with the socket.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
