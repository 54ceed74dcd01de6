using System.Net;
using Microsoft.Extensions.Logging;
using WebSocketProtocol.Handshake;

namespace WebSocketProtocol.AspNetCore;

/// <summary>
/// What the package logs through the app's <see cref="ILogger"/>, category <c>WebSocketProtocol.AspNetCore</c>:
/// refusals at Information, acceptances at Debug, nothing per message. Source-generated, so a disabled level costs a
/// check and no formatting.
/// </summary>
internal static partial class WebSocketLog
{
    /// <summary>The category every message of the package is logged under.</summary>
    public const string Category = "WebSocketProtocol.AspNetCore";

    [LoggerMessage(1, LogLevel.Information, "WebSocket handshake refused with {StatusCode}: {Error} (peer {RemoteEndPoint}, path {Path})")]
    public static partial void HandshakeRefused(ILogger logger, int statusCode, HandshakeError error, EndPoint? remoteEndPoint, string path);

    [LoggerMessage(2, LogLevel.Debug, "WebSocket accepted (peer {RemoteEndPoint}, path {Path}, subprotocol {SubProtocol}, {ExtensionCount} extension(s))")]
    public static partial void Accepted(ILogger logger, EndPoint? remoteEndPoint, string path, string? subProtocol, int extensionCount);
}
