using System.Net.WebSockets;
using System;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol;
using WebSocketProtocol.Connection;
using WebSocketProtocol.Extensions.Deflate;
using WebSocketProtocol.Handshake;
using WebSocketProtocol.Transport;

// The client role's echo: connect to --url, send back every message with its type until the connection closes, then
// print "closed CODE REASON" (or "failed CODE ...") so a fuzzing server can test the client the way Autobahn's client
// mode does. Process exit codes hold 8 bits, so the exit code says only how it ended: 0 for a 1000 close, 3 for any
// other close code, 1 when no connection was made, 2 for bad usage.
string? url = null;
long maxMessageSize = 16 * 1024 * 1024;
bool deflate = false;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--url" when i + 1 < args.Length:
            url = args[++i];
            break;
        case "--deflate":
            deflate = true;
            break;
        case "--max-message-size" when i + 1 < args.Length && long.TryParse(args[i + 1], out long size):
            maxMessageSize = size;
            i++;
            break;
        default:
            Console.Error.WriteLine("Usage: EchoClient --url ws://HOST:PORT/PATH [--max-message-size BYTES] [--deflate]");
            return args[i] is "--help" or "-h" ? 0 : 2;
    }
}

if (url is null || !Uri.TryCreate(url, UriKind.Absolute, out Uri? uri))
{
    Console.Error.WriteLine("Usage: EchoClient --url ws://HOST:PORT/PATH [--max-message-size BYTES] [--deflate]");
    return 2;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

try
{
    var clientOptions = new WebSocketClientOptions();
    clientOptions.Connection.MaxMessageSize = maxMessageSize;
    if (deflate)
    {
        clientOptions.Extensions.Add(new PerMessageDeflateClientFactory());
    }

    using WebSocketConnection connection = await WebSocketClient.ConnectAsync(uri, clientOptions, stop.Token);
    try
    {
        while (true)
        {
            WebSocketMessage message = await connection.ReceiveMessageAsync(stop.Token);
            if (message.MessageType == WebSocketMessageType.Close)
            {
                await connection.CloseAsync(CloseStatus.NormalClosure, null, CancellationToken.None);
                Console.WriteLine($"closed {(int)(message.CloseStatus ?? CloseStatus.NoStatusReceived)} {message.CloseReason}");
                return message.CloseStatus == CloseStatus.NormalClosure ? 0 : 3;
            }

            await connection.SendAsync(message.Data, message.MessageType, stop.Token);
        }
    }
    catch (WebSocketProtocolException exception)
    {
        Console.WriteLine($"failed {(int)exception.CloseStatus} {exception.Message}");
        return 3;
    }
    catch (OperationCanceledException)
    {
        await connection.CloseAsync(CloseStatus.GoingAway, "client stopped", CancellationToken.None);
        Console.WriteLine("closed 1001 client stopped");
        return 3;
    }
}
catch (WebSocketConnectException exception)
{
    Console.Error.WriteLine($"connection failed ({exception.Error}): {exception.Message}");
    return 1;
}
