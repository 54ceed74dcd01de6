using System;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using ChatClient;
using WebSocketProtocol;
using WebSocketProtocol.Connection;
using WebSocketProtocol.Extensions.Deflate;
using WebSocketProtocol.Handshake;
using WebSocketProtocol.Transport;

// A console member of samples/ChatServer's rooms on the library's client role: join with --name (and --room), print
// the room, say each line typed. `ChatClient --help` prints the options and exit codes (ClientArguments).
ClientArguments? arguments = ClientArguments.Parse(args, out int usageExit);
if (arguments is null)
{
    return usageExit;
}

// Names and messages are any Unicode: read and write UTF-8 whatever the locale says.
Console.InputEncoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
Console.OutputEncoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

using var quit = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // Ctrl+C leaves the room with a closing handshake instead of killing the process.
    e.Cancel = true;
    quit.Cancel();
};

// So does a polite request to stop (SIGTERM, as a service manager or `kill` sends).
using PosixSignalRegistration terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal =>
{
    signal.Cancel = true;
    quit.Cancel();
});

// Offer permessage-deflate as browsers do; the connection applies whatever the server agreed to.
var clientOptions = new WebSocketClientOptions();
clientOptions.Extensions.Add(new PerMessageDeflateClientFactory());
WebSocketConnection connection;
try
{
    connection = await WebSocketClient.ConnectAsync(arguments.Uri, clientOptions, quit.Token);
}
catch (Exception exception) when (exception is WebSocketConnectException or OperationCanceledException)
{
    Console.Error.WriteLine($"Could not connect to {arguments.Uri}: {exception.Message}");
    return ChatSession.ExitNoConnection;
}

// The connection owns the socket: disposing it closes the socket too.
using (connection)
{
    return await new ChatSession(connection, Console.Out).RunAsync(arguments.Name, Console.In, quit.Token);
}
