using System;
using System.Collections.Generic;

namespace WebSocketProtocol.Handshake;

/// <summary>
/// The server's checks of an opening-handshake request, whichever way it arrived: as bytes this library parsed, or as
/// fields another HTTP server parsed. Pure functions over a <see cref="HandshakeRequest"/>.
/// </summary>
internal static class ServerHandshakeRules
{
    /// <summary>
    /// Whether the request asks for a WebSocket at all (<c>websocket</c> in Upgrade, or in <c>:protocol</c> for an extended
    /// CONNECT) or carries any Sec-WebSocket-Key/Version; anything else is plain HTTP for the application.
    /// </summary>
    public static bool IsUpgradeAttempt(HandshakeRequest request, HandshakeHeaderIndex index, HandshakeForm form) =>
        (form == HandshakeForm.Upgrade
            ? HandshakeHeaderIndex.ContainsToken(request, index.Upgrade, "Upgrade"u8, "websocket"u8)
            : HandshakeHeaderIndex.ContainsToken(request, index.Protocol, ":protocol"u8, "websocket"u8))
        || index.Key.Count != 0
        || index.Version.Count != 0;

    /// <summary>
    /// The checks of RFC 6455 section 4.2.1 (or, for an extended CONNECT, RFC 8441 sections 4 and 5), then the origin
    /// policy of RFC 6455 section 10.2.
    /// </summary>
    public static HandshakeError Validate(HandshakeRequest request, HandshakeHeaderIndex index, HandshakeForm form, WebSocketServerOptions options)
    {
        if (form == HandshakeForm.ExtendedConnect)
        {
            return ValidateExtendedConnect(request, index, options);
        }

        if (!request.Method.SequenceEqual("GET"u8))
        {
            return HandshakeError.MethodNotAllowed;
        }

        if (request.VersionMajor < 1 || (request.VersionMajor == 1 && request.VersionMinor < 1))
        {
            return HandshakeError.HttpVersionTooOld;
        }

        ReadOnlySpan<byte> host = index.Host.Count == 1 ? request.GetHeaderValue(index.Host.First) : default;
        if (host.IsEmpty)
        {
            return HandshakeError.InvalidHost;
        }

        if (!HandshakeHeaderIndex.ContainsToken(request, index.Upgrade, "Upgrade"u8, "websocket"u8))
        {
            return HandshakeError.MissingUpgradeWebSocket;
        }

        if (!HandshakeHeaderIndex.ContainsToken(request, index.Connection, "Connection"u8, "Upgrade"u8))
        {
            return HandshakeError.MissingConnectionUpgrade;
        }

        HandshakeError version = ValidateVersion(request, index);
        if (version != HandshakeError.None)
        {
            return version;
        }

        if (index.Key.Count != 1 || !WebSocketAccept.IsValidKey(request.GetHeaderValue(index.Key.First)))
        {
            return HandshakeError.InvalidKey;
        }

        return IsOriginAllowed(request, index.Origin, host, options) ? HandshakeError.None : HandshakeError.OriginNotAllowed;
    }

    /// <summary>The server's most preferred subprotocol among those the client offered (RFC 6455 section 4.2.2, item 5.4).</summary>
    public static string? SelectSubProtocol(HandshakeRequest request, List<string> supported)
    {
        if (supported.Count == 0)
        {
            return null;
        }

        foreach (string candidate in supported)
        {
            if (!HttpAscii.IsToken(candidate))
            {
                // The name goes into a response header verbatim: anything but a token could inject a header.
                ThrowHelper.ThrowInvalidOperation($"The configured subprotocol '{candidate}' is not an HTTP token.");
            }

            for (int i = request.IndexOf("Sec-WebSocket-Protocol"u8, 0); i >= 0; i = request.IndexOf("Sec-WebSocket-Protocol"u8, i + 1))
            {
                foreach (ReadOnlySpan<byte> offered in new HttpTokenList(request.GetHeaderValue(i)))
                {
                    // SubProtocol names are case-sensitive tokens (RFC 6455 section 11.3.4).
                    if (SameBytes(offered, candidate))
                    {
                        return candidate;
                    }
                }
            }
        }

        return null;
    }

    /// <summary>
    /// RFC 8441 section 4: <c>CONNECT</c> with <c>:protocol websocket</c>, the host in <c>:authority</c>; section 5: the
    /// version, subprotocol, extension and origin rules of RFC 6455 stay, while Sec-WebSocket-Key and the Upgrade and
    /// Connection fields are not used, so they are not looked at.
    /// </summary>
    private static HandshakeError ValidateExtendedConnect(HandshakeRequest request, HandshakeHeaderIndex index, WebSocketServerOptions options)
    {
        if (!request.Method.SequenceEqual("CONNECT"u8))
        {
            return HandshakeError.MethodNotAllowed;
        }

        // HTTP/2 servers may also have copied :authority into Host (RFC 9113 section 8.3.1); :authority is the original.
        HeaderSlot hostSlot = index.Authority.Count != 0 ? index.Authority : index.Host;
        ReadOnlySpan<byte> host = hostSlot.Count == 1 ? request.GetHeaderValue(hostSlot.First) : default;
        if (host.IsEmpty)
        {
            return HandshakeError.InvalidHost;
        }

        if (index.Protocol.Count != 1 || !HttpAscii.EqualsIgnoreCase(request.GetHeaderValue(index.Protocol.First), "websocket"u8))
        {
            return HandshakeError.MissingUpgradeWebSocket;
        }

        HandshakeError version = ValidateVersion(request, index);
        if (version != HandshakeError.None)
        {
            return version;
        }

        return IsOriginAllowed(request, index.Origin, host, options) ? HandshakeError.None : HandshakeError.OriginNotAllowed;
    }

    private static HandshakeError ValidateVersion(HandshakeRequest request, HandshakeHeaderIndex index)
    {
        if (index.Version.Count == 0)
        {
            return HandshakeError.MissingVersion;
        }

        return index.Version.Count == 1 && request.GetHeaderValue(index.Version.First).SequenceEqual("13"u8)
            ? HandshakeError.None
            : HandshakeError.UnsupportedVersion;
    }

    private static bool IsOriginAllowed(HandshakeRequest request, HeaderSlot originSlot, ReadOnlySpan<byte> host, WebSocketServerOptions options)
    {
        if (options.OriginPolicy == OriginPolicy.Any || originSlot.Count == 0)
        {
            return true;
        }

        // Origin is one serialized origin (RFC 6454 section 7); a list of several is never allowed.
        if (originSlot.Count != 1)
        {
            return false;
        }

        ReadOnlySpan<byte> origin = request.GetHeaderValue(originSlot.First);

        foreach (string allowed in options.AllowedOriginList)
        {
            if (HttpAscii.EqualsIgnoreCase(origin, allowed))
            {
                return true;
            }
        }

        if (options.OriginPolicy != OriginPolicy.SameOrigin)
        {
            return false;
        }

        // Schemes compare case-insensitively (RFC 3986 section 3.1).
        ReadOnlySpan<byte> authority =
            origin.Length > 7 && HttpAscii.EqualsIgnoreCase(origin.Slice(0, 7), "http://"u8) ? origin.Slice(7)
            : origin.Length > 8 && HttpAscii.EqualsIgnoreCase(origin.Slice(0, 8), "https://"u8) ? origin.Slice(8)
            : default;
        return !authority.IsEmpty && HttpAscii.EqualsIgnoreCase(authority, host);
    }

    private static bool SameBytes(ReadOnlySpan<byte> bytes, string text)
    {
        if (bytes.Length != text.Length)
        {
            return false;
        }

        for (int i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] != text[i])
            {
                return false;
            }
        }

        return true;
    }
}
