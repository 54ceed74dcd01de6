namespace WebSocketProtocol.Tests.Adapter;

/// <summary>The WebSocket contract suite on .NET's ManagedWebSocket as the server.</summary>
public sealed class ManagedWebSocketServerContractTests : WebSocketContractTests
{
    public ManagedWebSocketServerContractTests()
        : base(WebSocketImplementation.Managed, underTestIsServer: true)
    {
    }
}
