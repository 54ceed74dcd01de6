using System.Buffers;

namespace WebSocketProtocol.Extensions;

/// <summary>The server's negotiation point for one extension: it sees each offer of its name, in the client's order of preference.</summary>
public interface IWebSocketExtensionFactory
{
    /// <summary>The extension name this factory answers to (compared case-insensitively).</summary>
    string Name { get; }

    /// <summary>
    /// Accepts <paramref name="offer"/> by returning the extension and appending its response parameters to
    /// <paramref name="responseParameters"/> (each as <c>; name</c> or <c>; name=value</c>), or declines it with
    /// <see langword="null"/>, writing nothing, so the next offer is tried.
    /// </summary>
    /// <param name="offer">One element of the client's Sec-WebSocket-Extensions header.</param>
    /// <param name="responseParameters">Where the accepted parameters go.</param>
    WebSocketExtension? Accept(ExtensionOffer offer, IBufferWriter<byte> responseParameters);
}
