using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Pipelines;
using System.Reflection;
using System.Text;
using System.Threading.Tasks;
using WebSocketProtocol.Handshake;

namespace ChatServer;

/// <summary>
/// The chat page (wwwroot, embedded in the assembly) over plain HTTP/1.1 on the WebSocket port: GET or HEAD of a known
/// file, 426 for a WebSocket endpoint asked without an upgrade, 404 for anything else, and the connection closed after
/// each answer. The page may run only its own script and
/// connect only to its own server (Content-Security-Policy).
/// </summary>
internal static class StaticFiles
{
    private static readonly Dictionary<string, (string Resource, string ContentType)> Files = new(StringComparer.Ordinal)
    {
        ["/"] = ("index.html", "text/html; charset=utf-8"),
        ["/index.html"] = ("index.html", "text/html; charset=utf-8"),
        ["/chat.js"] = ("chat.js", "text/javascript; charset=utf-8"),
        ["/chat-view.js"] = ("chat-view.js", "text/javascript; charset=utf-8"),
        ["/chat-typing.js"] = ("chat-typing.js", "text/javascript; charset=utf-8"),
        ["/chat.css"] = ("chat.css", "text/css; charset=utf-8"),
    };

    /// <summary>
    /// 421 Misdirected Request (RFC 9110 section 15.5.20): the Host is not one this server answers to, as when a page on
    /// another site points its own name at this machine (DNS rebinding).
    /// </summary>
    public static Task AnswerMisdirectedAsync(PipeWriter output) =>
        WriteAsync(output, "421 Misdirected Request", "text/plain; charset=utf-8", Encoding.UTF8.GetBytes("This server does not answer to that host name.\n"), withBody: true);

    public static Task AnswerAsync(PipeWriter output, HttpRequestInfo request, bool isWebSocketPath)
    {
        byte[] body;
        string status;
        string contentType;
        bool upgradeRequired = false;
        if (request.Method is "GET" or "HEAD" && Files.TryGetValue(request.Path, out var file))
        {
            body = Read(file.Resource);
            status = "200 OK";
            contentType = file.ContentType;
        }
        else if (isWebSocketPath)
        {
            // RFC 9110 section 15.5.22: the endpoint exists but speaks another protocol, named in Upgrade.
            body = Encoding.UTF8.GetBytes("This endpoint speaks only WebSocket: send an upgrade request.\n");
            status = "426 Upgrade Required";
            contentType = "text/plain; charset=utf-8";
            upgradeRequired = true;
        }
        else
        {
            body = Encoding.UTF8.GetBytes("Not found\n");
            status = "404 Not Found";
            contentType = "text/plain; charset=utf-8";
        }

        return WriteAsync(output, status, contentType, body, withBody: request.Method != "HEAD", upgradeRequired);
    }

    private static async Task WriteAsync(PipeWriter output, string status, string contentType, byte[] body, bool withBody, bool upgradeRequired = false)
    {
        // connect-src 'self' covers the page's own ws: and wss: origin (CSP Level 3); no other host, however reached.
        string head = $"HTTP/1.1 {status}\r\nContent-Type: {contentType}\r\nContent-Length: {body.Length}\r\n" +
            "Cache-Control: no-cache\r\nX-Content-Type-Options: nosniff\r\nReferrer-Policy: no-referrer\r\n" +
            "Content-Security-Policy: default-src 'self'; connect-src 'self'; img-src 'self'; frame-ancestors 'none'\r\n" +
            (upgradeRequired ? "Upgrade: websocket\r\nConnection: Upgrade, close\r\n\r\n" : "Connection: close\r\n\r\n");
        await output.WriteAsync(Encoding.ASCII.GetBytes(head));
        if (withBody)
        {
            await output.WriteAsync(body);
        }

        await output.CompleteAsync();
    }

    private static byte[] Read(string name)
    {
        using Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("ChatServer.wwwroot." + name)
            ?? throw new InvalidOperationException($"The page file {name} is not embedded.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
