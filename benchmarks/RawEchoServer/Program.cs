using System.Globalization;
using Microsoft.AspNetCore.Connections;
using WebSocketProtocol.Benchmarks;
using WebSocketProtocol.Benchmarks.RawEchoServer;

// The raw-TCP bound of the load comparison: Kestrel's transport, a bare upgrade, then frames echoed without checks.
// With --sockets first, the same echo on bare sockets, without Kestrel or pipes.
if (args.Length > 0 && args[0] == "--sockets")
{
    return args.Length == 1 ? await SocketEchoServer.RunAsync(0)
        : args.Length == 3 && args[1] == "--port" && int.TryParse(args[2], NumberStyles.None, CultureInfo.InvariantCulture, out int port) ? await SocketEchoServer.RunAsync(port)
        : Usage();
}

return await LoopbackHost.RunAsync(args, "RawEchoServer", listen: listen => listen.UseConnectionHandler<RawEchoConnectionHandler>());

static int Usage()
{
    System.Console.Error.WriteLine("Usage: RawEchoServer [--sockets] [--port N]   (loopback only; 0 picks a free port)");
    return 2;
}
