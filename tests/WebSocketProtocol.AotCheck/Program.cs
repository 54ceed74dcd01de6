using System.Net.WebSockets;
using System;
using System.Globalization;
using System.IO.Pipelines;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol;
using WebSocketProtocol.Connection;
using WebSocketProtocol.Extensions.Deflate;
using WebSocketProtocol.Handshake;
using WebSocketProtocol.Transport;

// Both roles of the library in one native process: a server on a loopback port echoes what the client sends over
// permessage-deflate, so the compiled code paths (handshake, masking, compression, closing handshake) run for real.
// Prints one "echo ok" line and exits with 0, or prints what went wrong and exits with 1.
using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
var listener = new TcpListener(IPAddress.Loopback, 0);
listener.Start();
try
{
    Task serving = ServeOneAsync(listener, deadline.Token);
    int port = ((IPEndPoint)listener.LocalEndpoint).Port;
    var clientOptions = new WebSocketClientOptions();
    clientOptions.Extensions.Add(new PerMessageDeflateClientFactory());
    using WebSocketConnection connection = await WebSocketClient.ConnectAsync(
        new Uri("ws://127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture) + "/echo"), clientOptions, deadline.Token);

    // A text message, and a binary one long enough for the vectorised masking and for several deflate blocks.
    await connection.SendTextAsync("native échø 😀", deadline.Token);
    WebSocketMessage text = await connection.ReceiveMessageAsync(deadline.Token);
    string echoed = System.Text.Encoding.UTF8.GetString(text.Data.Span);
    if (text.MessageType != WebSocketMessageType.Text || echoed != "native échø 😀")
    {
        return Fail($"the text came back as {text.MessageType} '{echoed}'");
    }

    byte[] binary = Enumerable.Range(0, 65536).Select(i => (byte)(i * 7 % 251)).ToArray();
    await connection.SendAsync(binary, WebSocketMessageType.Binary, deadline.Token);
    WebSocketMessage data = await connection.ReceiveMessageAsync(deadline.Token);
    if (data.MessageType != WebSocketMessageType.Binary || !data.Data.Span.SequenceEqual(binary))
    {
        return Fail($"the {binary.Length}-byte binary message came back as {data.MessageType} of {data.Data.Length} bytes");
    }

    await connection.CloseAsync(CloseStatus.NormalClosure, "done", deadline.Token);
    await serving.WaitAsync(deadline.Token);
    Console.WriteLine(
        $"echo ok: {RuntimeInformation.FrameworkDescription}, dynamic code {(RuntimeFeature.IsDynamicCodeSupported ? "supported" : "not supported")}, " +
        $"extensions [{string.Join(", ", connection.Extensions.Select(extension => extension.GetType().Name))}]");
    return 0;
}
catch (Exception exception) when (exception is WebSocketProtocolException or WebSocketConnectException or SocketException or OperationCanceledException or InvalidOperationException)
{
    return Fail(exception.ToString());
}
finally
{
    listener.Stop();
}

static int Fail(string what)
{
    Console.Error.WriteLine("echo failed: " + what);
    return 1;
}

// Accepts one connection and echoes every message until the client closes.
static async Task ServeOneAsync(TcpListener listener, CancellationToken cancellationToken)
{
    using Socket socket = await listener.AcceptSocketAsync(cancellationToken);
    await using var stream = new NetworkStream(socket, ownsSocket: false);
    PipeReader input = PipeReader.Create(stream);
    PipeWriter output = PipeWriter.Create(stream);
    var serverOptions = new WebSocketServerOptions();
    serverOptions.Extensions.Add(new PerMessageDeflateServerFactory());
    ServerHandshakeResult handshake = await HandshakeNegotiator.AcceptAsync(input, output, serverOptions, cancellationToken);
    if (handshake.Outcome != HandshakeOutcome.Accepted)
    {
        throw new InvalidOperationException($"the server refused the handshake: {handshake.Error}");
    }

    using var connection = new WebSocketConnection(input, output, WebSocketConnectionOptions.ForServer(), handshake);
    while (true)
    {
        WebSocketMessage message = await connection.ReceiveMessageAsync(cancellationToken);
        if (message.MessageType == WebSocketMessageType.Close)
        {
            return;
        }

        await connection.SendAsync(message.Data, message.MessageType, cancellationToken);
    }
}
