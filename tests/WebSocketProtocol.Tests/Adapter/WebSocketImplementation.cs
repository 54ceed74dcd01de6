namespace WebSocketProtocol.Tests.Adapter;

/// <summary>Which <see cref="System.Net.WebSockets.WebSocket"/> a contract suite runs against.</summary>
public enum WebSocketImplementation
{
    /// <summary>.NET's own ManagedWebSocket, from <see cref="System.Net.WebSockets.WebSocket.CreateFromStream(System.IO.Stream, System.Net.WebSockets.WebSocketCreationOptions)"/>: the reference.</summary>
    Managed,

    /// <summary>This library's <see cref="WebSocketProtocol.Connection.WebSocketConnection"/> behind <see cref="WebSocketProtocol.Connection.WebSocketConnectionAdapter"/>.</summary>
    Adapter,
}
