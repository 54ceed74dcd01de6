using Microsoft.AspNetCore.Connections;
using WebSocketProtocol.Benchmarks;
using WebSocketProtocol.Benchmarks.RawEchoServer;

// The raw-TCP bound of the load comparison: Kestrel's transport, a bare upgrade, then frames echoed without checks.
return await LoopbackHost.RunAsync(args, "RawEchoServer", listen: listen => listen.UseConnectionHandler<RawEchoConnectionHandler>());
