using System.Net.WebSockets;
using System;
using System.Threading;
using System.Threading.Tasks;
using EchoClient;
using WebSocketProtocol;
using WebSocketProtocol.Connection;
using WebSocketProtocol.Extensions.Deflate;
using WebSocketProtocol.Handshake;
using WebSocketProtocol.Transport;

// The client role's echo: connect to --url, send back every message with its type until the connection closes, then
// print "closed CODE REASON" (or "failed CODE ...") so a fuzzing server can test the client the way Autobahn's client
// mode does. Process exit codes hold 8 bits, so the exit code says only how it ended: 0 for a 1000 close, 3 for any
// other close code, 1 when no connection was made, 2 for bad usage (EchoArguments; --help prints the options).
EchoArguments? arguments = EchoArguments.Parse(args, out int usageExit);
if (arguments is null)
{
    return usageExit;
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
    clientOptions.Connection.MaxMessageSize = arguments.MaxMessageSize;
    if (arguments.Deflate)
    {
        clientOptions.Extensions.Add(new PerMessageDeflateClientFactory());
    }

    using WebSocketConnection connection = await WebSocketClient.ConnectAsync(arguments.Url, clientOptions, stop.Token);
    try
    {
        while (true)
        {
            using WebSocketMessage message = await connection.ReceiveMessageAsync(stop.Token);
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
