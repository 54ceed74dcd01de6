using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO.Pipelines;
using System.Text;
using System.Threading.Tasks;
using WebSocketProtocol.Handshake;
using WebSocketProtocol.Tests.Support;

namespace WebSocketProtocol.Tests.Handshake;

/// <summary>Runs the server handshake over pipes fed in chunks and captures the response text.</summary>
internal static class HandshakeHarness
{
    public const string RfcKey = "dGhlIHNhbXBsZSBub25jZQ==";
    public const string RfcAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

    public static string Request(params string[] headerLines) =>
        "GET /chat?room=a HTTP/1.1\r\n" + string.Concat(Array.ConvertAll(headerLines, l => l + "\r\n")) + "\r\n";

    public static readonly string[] ValidHeaders =
    {
        "Host: example.com",
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Key: " + RfcKey,
        "Sec-WebSocket-Version: 13",
    };

    public static string ValidRequest(params string[] extraHeaders)
    {
        var lines = new List<string>(ValidHeaders);
        lines.AddRange(extraHeaders);
        return Request(lines.ToArray());
    }

    public static async Task<(ServerHandshakeResult Result, string Response, ChunkedPipeReader Input)> RunAsync(
        byte[] request, WebSocketServerOptions? options = null, bool oneBytePerChunk = false)
    {
        var chunks = oneBytePerChunk ? SegmentedSequence.SplitIntoBytes(request) : new List<byte[]> { request };
        var input = new ChunkedPipeReader(chunks);
        var output = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        ServerHandshakeResult result = await HandshakeNegotiator.AcceptAsync(input, output.Writer, options ?? new WebSocketServerOptions());
        await output.Writer.CompleteAsync();
        ReadResult read = await output.Reader.ReadAsync();
        string response = Encoding.Latin1.GetString(read.Buffer.ToArray());
        output.Reader.AdvanceTo(read.Buffer.End);
        return (result, response, input);
    }

    public static Task<(ServerHandshakeResult Result, string Response, ChunkedPipeReader Input)> RunAsync(
        string request, WebSocketServerOptions? options = null, bool oneBytePerChunk = false) =>
        RunAsync(Encoding.Latin1.GetBytes(request), options, oneBytePerChunk);
}
