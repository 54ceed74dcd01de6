using System.Collections.Generic;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;
using WebSocketProtocol.Handshake;

namespace WebSocketProtocol.AspNetCore;

/// <summary>The request ASP.NET Core parsed, as the core handshake takes it: method, raw target, version and every field.</summary>
internal static class RequestHead
{
    private const string ProtocolPseudoHeader = ":protocol";

    /// <summary>
    /// Reads the request of <paramref name="context"/>. <paramref name="extendedConnectProtocol"/>, the <c>:protocol</c> of an
    /// extended CONNECT, joins the fields when the server keeps it out of the header collection, so the handshake sees it
    /// where RFC 8441 section 4 puts it.
    /// </summary>
    public static HttpRequestInfo Read(HttpContext context, string? extendedConnectProtocol)
    {
        HttpRequest request = context.Request;
        var headers = new List<KeyValuePair<string, string>>(request.Headers.Count + 1);
        bool sawProtocol = false;
        foreach (KeyValuePair<string, StringValues> header in request.Headers)
        {
            sawProtocol |= header.Key == ProtocolPseudoHeader;
            foreach (string? value in header.Value)
            {
                headers.Add(new KeyValuePair<string, string>(header.Key, value ?? string.Empty));
            }
        }

        if (extendedConnectProtocol is not null && !sawProtocol)
        {
            headers.Add(new KeyValuePair<string, string>(ProtocolPseudoHeader, extendedConnectProtocol));
        }

        // The target as sent, which the application's request filter sees; rebuilt from the parsed parts when a server has none.
        string? target = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(target))
        {
            target = request.PathBase.Add(request.Path).ToUriComponent() + request.QueryString.ToUriComponent();
        }

        return new HttpRequestInfo(request.Method, target, request.Protocol, headers);
    }
}
