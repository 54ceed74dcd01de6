namespace WebSocketProtocol.Tests.Adapter;

/// <summary>The WebSocket contract suite on this library's adapter as the server.</summary>
public sealed class AdapterWebSocketServerContractTests : WebSocketContractTests
{
    public AdapterWebSocketServerContractTests()
        : base(WebSocketImplementation.Adapter, underTestIsServer: true)
    {
    }
}
