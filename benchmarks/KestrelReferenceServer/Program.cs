using System;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using WebSocketProtocol.Benchmarks;
using WebSocketProtocol.Benchmarks.KestrelReferenceServer;

// ASP.NET Core's WebSockets middleware (ManagedWebSocket) with an /echo endpoint: the reference the load tool compares to.
return await LoopbackHost.RunAsync(args, "KestrelReferenceServer", app: app =>
{
    app.UseWebSockets();
    app.Map("/echo", async context =>
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        using System.Net.WebSockets.WebSocket socket = await context.WebSockets.AcceptWebSocketAsync();
        await ManagedEcho.RunAsync(socket, context.RequestAborted);
    });
});
