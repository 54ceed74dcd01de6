using System;
using System.Collections.Generic;
using System.Net;

namespace ChatServer;

/// <summary>
/// The Host names the server answers to, for the page and the WebSocket upgrade alike. A page on any site can make a
/// browser connect to a name that site controls and then point that name at 127.0.0.1 (DNS rebinding): the requests are
/// then same-origin as far as the browser knows, Origin included, and only the Host header still names the attacker's
/// site. Bound to loopback, the server answers localhost (and its subdomains, RFC 6761 section 6.3) and the loopback
/// addresses; bound to anything else, only the names the operator lists with <c>--allowed-host</c>.
/// </summary>
internal sealed class HostPolicy
{
    private readonly HashSet<string> _names = new(StringComparer.OrdinalIgnoreCase);
    private readonly bool _anyHost;
    private readonly bool _loopbackNames;

    public HostPolicy(string boundHost, IEnumerable<string> allowedHosts)
    {
        foreach (string host in allowedHosts)
        {
            if (host == "*")
            {
                _anyHost = true;
            }
            else
            {
                _names.Add(Canonical(host));
            }
        }

        if (IsLoopback(boundHost))
        {
            _loopbackNames = true;
            _names.Add(Canonical(boundHost));
        }
    }

    /// <summary>Whether <paramref name="host"/> is localhost or a loopback address.</summary>
    public static bool IsLoopback(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out IPAddress? address) && IPAddress.IsLoopback(address));

    /// <summary>Whether <paramref name="value"/> may follow <c>--allowed-host</c>: "*", a DNS name or an IP address, without a port.</summary>
    public static bool IsValidEntry(string value) =>
        value == "*"
        || IPAddress.TryParse(value.Trim('[', ']'), out _)
        || (Uri.CheckHostName(value) == UriHostNameType.Dns && !value.Contains(':', StringComparison.Ordinal));

    /// <summary>
    /// Whether a request whose Host header (or <c>:authority</c>) is <paramref name="hostHeader"/> is for this server.
    /// The port is not compared: the listening socket already chose it, and a proxy in front may use another.
    /// </summary>
    public bool Allows(string? hostHeader)
    {
        if (_anyHost)
        {
            return true;
        }

        if (string.IsNullOrEmpty(hostHeader) || !TrySplitHost(hostHeader, out string name))
        {
            return false;
        }

        if (_names.Contains(name))
        {
            return true;
        }

        return _loopbackNames
            && (name.Equals("localhost", StringComparison.OrdinalIgnoreCase)
                || name.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
                || (IPAddress.TryParse(name.Trim('[', ']'), out IPAddress? address) && IPAddress.IsLoopback(address)));
    }

    /// <summary>The name part of <c>host[:port]</c> (RFC 9110 section 7.2), IPv6 literals in brackets, without a trailing dot.</summary>
    private static bool TrySplitHost(string hostHeader, out string name)
    {
        string host = hostHeader;
        if (host.StartsWith('['))
        {
            int close = host.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                name = string.Empty;
                return false;
            }

            name = Canonical(host.Substring(0, close + 1));
            return close == host.Length - 1 || host[close + 1] == ':';
        }

        int colon = host.IndexOf(':', StringComparison.Ordinal);
        name = Canonical(colon < 0 ? host : host.Substring(0, colon));
        return name.Length > 0;
    }

    /// <summary>One spelling per name: no trailing dot (a fully qualified name), IPv6 addresses in brackets.</summary>
    private static string Canonical(string host)
    {
        string name = host.TrimEnd('.');
        if (IPAddress.TryParse(name.Trim('[', ']'), out IPAddress? address))
        {
            return address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "[" + address + "]" : address.ToString();
        }

        return name;
    }
}
