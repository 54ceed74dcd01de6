namespace WebSocketProtocol;

/// <summary>Which close codes may appear in a close frame (RFC 6455 sections 7.4.1 and 7.4.2, and the IANA registry).</summary>
internal static class CloseStatusRules
{
    /// <summary>
    /// Whether this endpoint may send <paramref name="code"/>: the defined codes other than the three reserved for local
    /// reporting (1005, 1006, 1015), the IANA-registered 1012-1014, and 3000-4999 for libraries and applications.
    /// </summary>
    public static bool IsSendable(ushort code) => code switch
    {
        >= 1000 and <= 1003 => true,
        >= 1007 and <= 1014 => true,
        >= 3000 and <= 4999 => true,
        _ => false,
    };

    /// <summary>
    /// Whether a received close frame may carry <paramref name="code"/>: 1000-1003, 1007-1011 and 3000-4999 (RFC 6455
    /// section 7.4). The IANA codes 1012-1014 are accepted too, since servers send them for restarts and overload.
    /// </summary>
    public static bool IsValidReceived(ushort code) => IsSendable(code);
}
