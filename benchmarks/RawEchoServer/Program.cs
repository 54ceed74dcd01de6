using System.CommandLine;
using Microsoft.AspNetCore.Connections;
using WebSocketProtocol.Benchmarks;
using WebSocketProtocol.Benchmarks.RawEchoServer;
using WebSocketProtocol.Samples;

// The raw-TCP bound of the load comparison: Kestrel's transport, a bare upgrade, then frames echoed without checks.
// With --sockets, the same echo on bare sockets, without Kestrel or pipes.
RootCommand command = LoopbackHost.CreateCommand("The raw-TCP bound of the load comparison: a bare upgrade, then frames echoed without checks, on loopback.");
Option<bool> sockets = CommandLineParsing.Flag("--sockets", "bare sockets instead of Kestrel and pipes");
command.Add(sockets);
ParseResult? parsed = CommandLineParsing.Parse(command, args, out int exitCode, result =>
    result.GetValue(sockets) && result.GetValue<bool>("--sample-transport") ? "--sockets runs without Kestrel: --sample-transport does not apply." : null);
if (parsed is null)
{
    return exitCode;
}

return parsed.GetValue(sockets)
    ? await SocketEchoServer.RunAsync(parsed.GetValue<int>("--port"))
    : await LoopbackHost.RunAsync(parsed, listen: listen => listen.UseConnectionHandler<RawEchoConnectionHandler>());
