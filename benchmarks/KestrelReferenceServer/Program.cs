using System;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using WebSocketProtocol.Benchmarks;
using WebSocketProtocol.Benchmarks.KestrelReferenceServer;

// ASP.NET Core's WebSockets middleware (ManagedWebSocket) with an /echo endpoint and a minimal /chat?room=NAME broadcast
// endpoint (ManagedChat): the references the load tool compares to.
return await LoopbackHost.RunAsync(args, "ASP.NET Core's WebSockets middleware with /echo and a minimal /chat?room=NAME broadcast, on loopback: the references the load tool compares to.", app: app =>
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
    app.Map("/chat", async context =>
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        string room = context.Request.Query["room"].ToString() is { Length: > 0 } name ? name : "lobby";
        using System.Net.WebSockets.WebSocket socket = await context.WebSockets.AcceptWebSocketAsync();
        await ManagedChat.RunAsync(socket, room, context.RequestAborted);
    });
});
