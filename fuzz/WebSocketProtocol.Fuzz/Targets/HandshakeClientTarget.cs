using System;
using System.IO.Pipelines;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Extensions;
using WebSocketProtocol.Extensions.Deflate;
using WebSocketProtocol.Fuzz.Support;
using WebSocketProtocol.Handshake;

namespace WebSocketProtocol.Fuzz.Targets;

/// <summary>
/// Response bytes into the client's handshake: <see cref="ClientHandshake.ValidateResponse"/> on the head, with the key
/// of RFC 6455's example so a response can carry the right accept value, and <see cref="HandshakeNegotiator.ConnectAsync"/>
/// reading them cut up over small segments. Only <see cref="WebSocketConnectException"/> may come out; a response that
/// is accepted must really be a 101 with that key's accept value, and agree to nothing that was not offered.
/// </summary>
/// <remarks>
/// Input: byte 0 bits 0-1 how the response is cut (<see cref="ChunkPlan"/>), bits 2-3 the segment size, bit 4 whether
/// permessage-deflate is offered, bit 5 whether subprotocols are offered, bit 6 small limits; byte 1 a seed. The rest is
/// what the server sent.
/// </remarks>
internal sealed class HandshakeClientTarget : IFuzzTarget
{
    /// <summary>The key of RFC 6455 section 1.3, whose accept value is <c>s3pPLMBiTxaQ9kYGzzhZRbK+xOo=</c>.</summary>
    private static readonly byte[] Key = Encoding.ASCII.GetBytes("dGhlIHNhbXBsZSBub25jZQ==");

    private static readonly Uri Endpoint = new("ws://localhost/chat");

    public string Name => "handshake-client";

    public void Run(ReadOnlySpan<byte> input)
    {
        var settings = new FuzzInput(input);
        byte first = settings.TakeByte();
        byte seed = settings.TakeByte();
        ReadOnlySpan<byte> response = settings.Rest;

        int headEnd = response.IndexOf("\r\n\r\n"u8);
        ReadOnlySpan<byte> head = headEnd < 0 ? response : response.Slice(0, headEnd + 4);
        WebSocketClientOptions options = CreateOptions(first);
        try
        {
            ClientHandshakeResult result = ClientHandshake.ValidateResponse(head, Key, options);
            try
            {
                CheckAccepted(result, Encoding.Latin1.GetString(head), options);
            }
            finally
            {
                Dispose(result);
            }
        }
        catch (WebSocketConnectException)
        {
        }

        Pipe incoming = InlinePipe.Create(first >> 2);
        var outgoing = new Pipe(new PipeOptions(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, pauseWriterThreshold: 0, resumeWriterThreshold: 0, useSynchronizationContext: false));
        Task connecting = ConnectAsync(incoming.Reader, outgoing.Writer, CreateOptions(first));
        var plan = new ChunkPlan(first, seed);
        InlinePipe.Feed(incoming.Writer, response, ref plan);
        InlinePipe.RequireFinished(connecting, "The client handshake");
        connecting.GetAwaiter().GetResult();
    }

    private static WebSocketClientOptions CreateOptions(byte first)
    {
        var options = new WebSocketClientOptions { HandshakeTimeout = Timeout.InfiniteTimeSpan };
        if ((first & 0x10) != 0)
        {
            options.Extensions.Add(new PerMessageDeflateClientFactory(new PerMessageDeflateOptions { ClientMaxWindowBits = 10 }));
        }

        if ((first & 0x20) != 0)
        {
            options.SubProtocols.Add("chat");
            options.SubProtocols.Add("superchat");
        }

        if ((first & 0x40) != 0)
        {
            options.MaxResponseHeadLength = 300;
            options.MaxResponseHeaderCount = 6;
        }

        return options;
    }

    private static async Task ConnectAsync(PipeReader input, PipeWriter output, WebSocketClientOptions options)
    {
        try
        {
            // The key is random here, so the server's answer can only be refused; what matters is how it is read.
            ClientHandshakeResult result = await HandshakeNegotiator.ConnectAsync(input, output, Endpoint, options).ConfigureAwait(false);
            Dispose(result);
        }
        catch (WebSocketConnectException)
        {
        }
    }

    /// <summary>Checks an accepted response with code of its own: RFC 6455 section 4.1, the client's checks.</summary>
    private static void CheckAccepted(in ClientHandshakeResult result, string head, WebSocketClientOptions options)
    {
        // RFC 9110 section 2.5: a higher minor version is read as the highest one implemented, so HTTP/1.5 is HTTP/1.1.
        if (!head.StartsWith("HTTP/1.", StringComparison.Ordinal) || head.Length < 12 || head[7] is < '1' or > '9' || !head.AsSpan(8).StartsWith(" 101", StringComparison.Ordinal))
        {
            throw new FuzzFindingException($"The response '{head.Split("\r\n")[0]}' was accepted.");
        }

        string accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(Key) + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
        bool hasAccept = false;
        foreach (string line in head.Split("\r\n"))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line.Substring(0, colon).Equals("Sec-WebSocket-Accept", StringComparison.OrdinalIgnoreCase)
                && line.Substring(colon + 1).Trim(' ', '\t') == accept)
            {
                hasAccept = true;
            }
        }

        if (!hasAccept)
        {
            throw new FuzzFindingException("A response without the key's accept value was accepted.");
        }

        if (result.SubProtocol is { } chosen && !options.SubProtocols.Contains(chosen))
        {
            throw new FuzzFindingException($"The subprotocol '{chosen}', never offered, was agreed.");
        }

        if (result.Extensions.Count > options.Extensions.Count)
        {
            throw new FuzzFindingException($"{result.Extensions.Count} extensions were agreed of {options.Extensions.Count} offered.");
        }

        foreach (WebSocketExtension extension in result.Extensions)
        {
            if (extension is PerMessageDeflateExtension deflate && deflate.ClientMaxWindowBits > 10)
            {
                throw new FuzzFindingException($"The client agreed to compress with 2^{deflate.ClientMaxWindowBits} bytes after offering at most 2^10.");
            }
        }
    }

    private static void Dispose(in ClientHandshakeResult result)
    {
        foreach (WebSocketExtension extension in result.Extensions)
        {
            extension.Dispose();
        }
    }
}
