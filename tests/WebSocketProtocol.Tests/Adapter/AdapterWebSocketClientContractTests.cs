namespace WebSocketProtocol.Tests.Adapter;

/// <summary>The WebSocket contract suite on this library's adapter as the client.</summary>
public sealed class AdapterWebSocketClientContractTests : WebSocketContractTests
{
    public AdapterWebSocketClientContractTests()
        : base(WebSocketImplementation.Adapter, underTestIsServer: false)
    {
    }
}
