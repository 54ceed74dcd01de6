using System;
using System.Buffers;
using System.IO.Pipelines;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Extensions.Deflate;
using WebSocketProtocol.Fuzz.Support;
using WebSocketProtocol.Handshake;

namespace WebSocketProtocol.Fuzz.Targets;

/// <summary>
/// Request bytes into the server's handshake (<see cref="HandshakeNegotiator.AcceptAsync"/>, so the head scanner, the HTTP
/// parser and <see cref="ServerHandshake.Negotiate"/> all run), once in one piece and once cut up over small segments.
/// Both runs must reach the same outcome and answer, leave the same bytes behind the head, and a 101 must carry the accept
/// value of the request's one well-formed key.
/// </summary>
/// <remarks>
/// Input: byte 0 bits 0-1 how the request is cut (<see cref="ChunkPlan"/>), bits 2-3 the segment size, bit 4 whether
/// permessage-deflate is offered, bit 5 whether the server speaks subprotocols, bit 6 any Origin allowed, bit 7 small
/// limits; byte 1 a seed. The rest is what the client sent.
/// </remarks>
internal sealed class HandshakeServerTarget : IFuzzTarget
{
    public string Name => "handshake-server";

    public void Run(ReadOnlySpan<byte> input)
    {
        var settings = new FuzzInput(input);
        byte first = settings.TakeByte();
        byte seed = settings.TakeByte();
        ReadOnlySpan<byte> request = settings.Rest;

        var whole = new ChunkPlan(0, 0);
        Answer reference = Accept(request, CreateOptions(first), setting: 3, ref whole);
        var plan = new ChunkPlan(first, seed);
        Answer cut = Accept(request, CreateOptions(first), first >> 2, ref plan);

        if (reference.Outcome != cut.Outcome
            || (reference.Outcome != HandshakeOutcome.Rejected && (reference.Response != cut.Response || reference.Rest != cut.Rest || reference.Summary != cut.Summary)))
        {
            throw new FuzzFindingException($"The request in one piece gives {reference}; cut up it gives {cut}.");
        }

        Check(reference, request);
    }

    private static WebSocketServerOptions CreateOptions(byte first)
    {
        var options = new WebSocketServerOptions
        {
            HandshakeTimeout = Timeout.InfiniteTimeSpan,
            OriginPolicy = (first & 0x40) != 0 ? OriginPolicy.Any : OriginPolicy.SameOrigin,
            RequestFilter = ReadEverything,
        };
        if ((first & 0x10) != 0)
        {
            options.Extensions.Add(new PerMessageDeflateServerFactory(new PerMessageDeflateOptions { ClientNoContextTakeover = true }));
        }

        if ((first & 0x20) != 0)
        {
            options.SubProtocols.Add("chat");
            options.SubProtocols.Add("superchat");
        }

        if ((first & 0x80) != 0)
        {
            options.MaxRequestLineLength = 64;
            options.MaxHeaderCount = 6;
            options.MaxHeadLength = 300;
        }

        return options;
    }

    /// <summary>An application filter that looks at every part of the request, as one might, and lets it through.</summary>
    private static bool ReadEverything(HandshakeRequest request)
    {
        int total = request.Path.Length + request.Query.Length + request.Method.Length;
        for (int i = 0; i < request.HeaderCount; i++)
        {
            total += request.GetHeaderName(i).Length + request.GetHeaderValue(i).Length;
        }

        return total >= 0;
    }

    private static Answer Accept(ReadOnlySpan<byte> request, WebSocketServerOptions options, int setting, ref ChunkPlan plan)
    {
        Pipe incoming = InlinePipe.Create(setting);
        var outgoing = new Pipe(new PipeOptions(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, pauseWriterThreshold: 0, resumeWriterThreshold: 0, useSynchronizationContext: false));
        Task<ServerHandshakeResult> accepting = AcceptAsync(incoming.Reader, outgoing.Writer, options);
        InlinePipe.Feed(incoming.Writer, request, ref plan);
        InlinePipe.RequireFinished(accepting, "The server handshake");
        ServerHandshakeResult result = accepting.GetAwaiter().GetResult();
        try
        {
            outgoing.Writer.Complete();
            string response = Drain(outgoing.Reader);
            string rest = result.Outcome == HandshakeOutcome.Rejected ? string.Empty : Drain(incoming.Reader);
            string summary = $"{result.Outcome} {result.Error} {result.StatusCode} subprotocol={result.SubProtocol ?? "-"} extensions={result.Extensions.Count} request={result.Request?.Method} {result.Request?.Target} {result.Request?.Headers.Count}";
            return new Answer(result.Outcome, response, rest, summary);
        }
        finally
        {
            foreach (var extension in result.Extensions)
            {
                extension.Dispose();
            }
        }
    }

    private static async Task<ServerHandshakeResult> AcceptAsync(PipeReader input, PipeWriter output, WebSocketServerOptions options)
    {
        try
        {
            return await HandshakeNegotiator.AcceptAsync(input, output, options).ConfigureAwait(false);
        }
        catch (WebSocketConnectException exception)
        {
            throw new FuzzFindingException($"The server handshake threw instead of answering: {exception.Message}");
        }
    }

    private static string Drain(PipeReader reader)
    {
        if (!reader.TryRead(out ReadResult read))
        {
            return string.Empty;
        }

        string text = Encoding.Latin1.GetString(read.Buffer);
        reader.AdvanceTo(read.Buffer.End);
        return text;
    }

    /// <summary>Checks the answer against the request with code of its own.</summary>
    private static void Check(Answer answer, ReadOnlySpan<byte> request)
    {
        switch (answer.Outcome)
        {
            case HandshakeOutcome.NotWebSocket when answer.Response.Length != 0:
                throw new FuzzFindingException("A request handed back to the application was answered anyway.");
            case HandshakeOutcome.Rejected when !answer.Response.StartsWith("HTTP/1.1 4", StringComparison.Ordinal):
                throw new FuzzFindingException($"A rejection was answered with '{FirstLine(answer.Response)}'.");
            case HandshakeOutcome.Accepted:
                CheckAccepted(answer.Response, Encoding.Latin1.GetString(request));
                break;
        }
    }

    private static void CheckAccepted(string response, string request)
    {
        if (!request.StartsWith("GET ", StringComparison.Ordinal) || !response.StartsWith("HTTP/1.1 101 ", StringComparison.Ordinal))
        {
            throw new FuzzFindingException($"'{FirstLine(request)}' was accepted with '{FirstLine(response)}'.");
        }

        int headEnd = request.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        string? key = null;
        int keys = 0;
        foreach (string line in request.Substring(0, headEnd).Split("\r\n"))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line.Substring(0, colon).Equals("Sec-WebSocket-Key", StringComparison.OrdinalIgnoreCase))
            {
                key = line.Substring(colon + 1).Trim(' ', '\t');
                keys++;
            }
        }

        Span<byte> decoded = stackalloc byte[32];
        if (keys != 1 || key!.Length != 24 || !Convert.TryFromBase64String(key, decoded, out int length) || length != 16)
        {
            throw new FuzzFindingException($"A request with {keys} Sec-WebSocket-Key fields ('{key}') was accepted.");
        }

        // RFC 6455 section 4.2.2: base64(SHA-1(key + GUID)).
        string accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
        if (!response.Contains("\r\nSec-WebSocket-Accept: " + accept + "\r\n", StringComparison.Ordinal))
        {
            throw new FuzzFindingException($"The 101 does not carry the accept value {accept} of key {key}.");
        }
    }

    private static string FirstLine(string text)
    {
        int end = text.IndexOf("\r\n", StringComparison.Ordinal);
        return end < 0 ? text : text.Substring(0, end);
    }

    private sealed record Answer(HandshakeOutcome Outcome, string Response, string Rest, string Summary);
}
