namespace WebSocketProtocol.Tests.Adapter;

/// <summary>The WebSocket contract suite on .NET's ManagedWebSocket as the client.</summary>
public sealed class ManagedWebSocketClientContractTests : WebSocketContractTests
{
    public ManagedWebSocketClientContractTests()
        : base(WebSocketImplementation.Managed, underTestIsServer: false)
    {
    }
}
