using System;

namespace WebSocketProtocol.Handshake;

/// <summary>
/// Where the header fields the server handshake checks are, found in one pass over the request: the first index of each
/// and how many fields carry its name. Saves a scan of every field per check. The pseudo-header fields <c>:authority</c>
/// and <c>:protocol</c> appear only in requests another HTTP/2 or HTTP/3 server parsed (RFC 8441 section 4).
/// </summary>
internal readonly struct HandshakeHeaderIndex
{
    private HandshakeHeaderIndex(HeaderSlot host, HeaderSlot upgrade, HeaderSlot connection, HeaderSlot key, HeaderSlot version, HeaderSlot origin, HeaderSlot authority, HeaderSlot protocol)
    {
        Authority = authority;
        Protocol = protocol;
        Host = host;
        Upgrade = upgrade;
        Connection = connection;
        Key = key;
        Version = version;
        Origin = origin;
    }

    public HeaderSlot Host { get; }

    public HeaderSlot Upgrade { get; }

    public HeaderSlot Connection { get; }

    public HeaderSlot Key { get; }

    public HeaderSlot Version { get; }

    public HeaderSlot Origin { get; }

    public HeaderSlot Authority { get; }

    public HeaderSlot Protocol { get; }

    public static HandshakeHeaderIndex Build(HandshakeRequest request)
    {
        HeaderSlot host = default, upgrade = default, connection = default, key = default, version = default, origin = default;
        HeaderSlot authority = default, protocol = default;
        for (int i = 0; i < request.HeaderCount; i++)
        {
            ReadOnlySpan<byte> name = request.GetHeaderName(i);

            // The length picks the one candidate worth comparing.
            switch (name.Length)
            {
                case 4 when HttpAscii.EqualsIgnoreCase(name, "Host"u8):
                    host = host.Add(i);
                    break;
                case 6 when HttpAscii.EqualsIgnoreCase(name, "Origin"u8):
                    origin = origin.Add(i);
                    break;
                case 7 when HttpAscii.EqualsIgnoreCase(name, "Upgrade"u8):
                    upgrade = upgrade.Add(i);
                    break;
                case 9 when HttpAscii.EqualsIgnoreCase(name, ":protocol"u8):
                    protocol = protocol.Add(i);
                    break;
                case 10 when HttpAscii.EqualsIgnoreCase(name, "Connection"u8):
                    connection = connection.Add(i);
                    break;
                case 10 when HttpAscii.EqualsIgnoreCase(name, ":authority"u8):
                    authority = authority.Add(i);
                    break;
                case 17 when HttpAscii.EqualsIgnoreCase(name, "Sec-WebSocket-Key"u8):
                    key = key.Add(i);
                    break;
                case 21 when HttpAscii.EqualsIgnoreCase(name, "Sec-WebSocket-Version"u8):
                    version = version.Add(i);
                    break;
            }
        }

        return new HandshakeHeaderIndex(host, upgrade, connection, key, version, origin, authority, protocol);
    }

    /// <summary>Whether any field of <paramref name="slot"/> (named <paramref name="name"/>) lists <paramref name="token"/>.</summary>
    public static bool ContainsToken(HandshakeRequest request, HeaderSlot slot, ReadOnlySpan<byte> name, ReadOnlySpan<byte> token) =>
        slot.Count switch
        {
            0 => false,
            1 => HttpTokenList.Contains(request.GetHeaderValue(slot.First), token),
            _ => request.HeaderContainsToken(name, token),
        };
}
