using System;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using WebSocketProtocol.AspNetCore;
using WebSocketProtocol.Connection;
using WebSocketProtocol.Handshake;
using Xunit;

namespace WebSocketProtocol.Tests.AspNetCore;

/// <summary>The extension methods on an ASP.NET Core <see cref="DefaultHttpContext"/>, without a server.</summary>
public sealed class WebSocketProtocolHttpContextExtensionsTests
{
    [Theory]
    [InlineData("websocket", true)]
    [InlineData("WebSocket", true)]
    [InlineData("h2c, websocket", true)]
    [InlineData(" ,websocket\t", true)]
    [InlineData("websockets", false)]
    [InlineData("h2c", false)]
    [InlineData("", false)]
    public void An_http_1_1_request_asks_for_a_websocket_when_its_Upgrade_header_lists_the_token(string upgrade, bool expected)
    {
        var context = new DefaultHttpContext();
        context.Request.Headers.Upgrade = upgrade;

        Assert.Equal(expected, context.IsWebSocketProtocolRequest());
    }

    [Fact]
    public void Upgrade_fields_sent_separately_are_all_looked_at()
    {
        var context = new DefaultHttpContext();
        context.Request.Headers.Upgrade = new Microsoft.Extensions.Primitives.StringValues(["h2c", "websocket"]);

        Assert.True(context.IsWebSocketProtocolRequest());
    }

    [Fact]
    public async Task Accepting_with_client_connection_options_is_refused_before_anything_is_sent()
    {
        var context = new DefaultHttpContext();

        await Assert.ThrowsAsync<ArgumentException>(async () =>
            await context.AcceptWebSocketConnectionAsync(new WebSocketServerOptions(), WebSocketConnectionOptions.ForClient()));
        Assert.Equal(StatusCodes.Status200OK, context.Response.StatusCode);
    }
}
