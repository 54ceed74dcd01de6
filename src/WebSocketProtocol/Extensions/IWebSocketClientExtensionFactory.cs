using System.Buffers;

namespace WebSocketProtocol.Extensions;

/// <summary>The client's negotiation point for one extension: it writes the offer and judges the server's answer.</summary>
public interface IWebSocketClientExtensionFactory
{
    /// <summary>The extension name offered (compared case-insensitively with the answer).</summary>
    string Name { get; }

    /// <summary>Appends the offer's parameters (each as <c>; name</c> or <c>; name=value</c>) after the name.</summary>
    /// <param name="parameters">Where the parameters go.</param>
    void WriteOffer(IBufferWriter<byte> parameters);

    /// <summary>Returns the extension the server's <paramref name="response"/> agrees to, or <see langword="null"/> when the answer is not one this offer allows, which fails the handshake.</summary>
    /// <param name="response">The server's element for this extension.</param>
    WebSocketExtension? Accept(ExtensionOffer response);
}
