using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.IO.Pipelines;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebSockets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using WebSocketProtocol.Handshake;

namespace WebSocketProtocol.Benchmarks;

/// <summary>
/// Parse-and-answer of a typical Chromium upgrade request (about 500 bytes): ours as a pure function and over pipes,
/// against ASP.NET Core's WebSocketMiddleware accepting on a prepared HttpContext (its path to a WebSocket after Kestrel has
/// parsed the request, so it measures less work than ours), and against a straightforward string-based parser.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(FramingBenchmarkConfig))]
public class HandshakeBenchmarks
{
    private const string Guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private static readonly string ChromiumRequest =
        "GET /chat HTTP/1.1\r\n" +
        "Host: localhost:8080\r\n" +
        "Connection: Upgrade\r\n" +
        "Pragma: no-cache\r\n" +
        "Cache-Control: no-cache\r\n" +
        "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36\r\n" +
        "Upgrade: websocket\r\n" +
        "Origin: http://localhost:8080\r\n" +
        "Sec-WebSocket-Version: 13\r\n" +
        "Accept-Encoding: gzip, deflate, br, zstd\r\n" +
        "Accept-Language: en-US,en;q=0.9\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
        "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n" +
        "\r\n";

    private readonly byte[] _head = Encoding.ASCII.GetBytes(ChromiumRequest);
    private readonly WebSocketServerOptions _options = new();
    private readonly ArrayBufferWriter<byte> _response = new(1024);
    private readonly Pipe _input = new(new PipeOptions(useSynchronizationContext: false));
    private readonly Pipe _output = new(new PipeOptions(useSynchronizationContext: false));
    private WebSocketMiddleware? _middleware;

    /// <summary>Builds the middleware once, as an app would.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _middleware = new WebSocketMiddleware(
            static async context => await context.WebSockets.AcceptWebSocketAsync(),
            Options.Create(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero }),
            NullLoggerFactory.Instance);
    }

    /// <summary>Ours, the pure function: parse, validate, compute the accept value, write the 101.</summary>
    [Benchmark(Baseline = true)]
    public HandshakeOutcome OursNegotiate()
    {
        _response.ResetWrittenCount();
        return ServerHandshake.Negotiate(_head, _options, _response).Outcome;
    }

    /// <summary>Ours over pipes: the request is written into a pipe, accepted, and the response read back out.</summary>
    [Benchmark]
    public HandshakeOutcome OursOverPipes()
    {
        _input.Writer.Write(_head);
        _input.Writer.FlushAsync().GetAwaiter().GetResult();
        HandshakeOutcome outcome = HandshakeNegotiator.AcceptAsync(_input.Reader, _output.Writer, _options).GetAwaiter().GetResult().Outcome;
        _output.Reader.TryRead(out ReadResult written);
        _output.Reader.AdvanceTo(written.Buffer.End);
        return outcome;
    }

    /// <summary>ASP.NET Core's WebSocketMiddleware accepting on an HttpContext whose request is already parsed.</summary>
    [Benchmark]
    public Task AspNetCoreMiddlewareAccept()
    {
        var context = new DefaultHttpContext();
        HttpRequest request = context.Request;
        request.Method = "GET";
        request.Protocol = "HTTP/1.1";
        request.Path = "/chat";
        request.Headers.Host = "localhost:8080";
        request.Headers.Connection = "Upgrade";
        request.Headers.Upgrade = "websocket";
        request.Headers.Origin = "http://localhost:8080";
        request.Headers.SecWebSocketVersion = "13";
        request.Headers.SecWebSocketKey = "dGhlIHNhbXBsZSBub25jZQ==";
        request.Headers.SecWebSocketExtensions = "permessage-deflate; client_max_window_bits";
        request.Headers.UserAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";
        context.Features.Set<IHttpUpgradeFeature>(new UpgradeFeature());
        return _middleware!.Invoke(context);
    }

    /// <summary>A straightforward parser: decode to a string, split lines, a dictionary of headers, string concatenation.</summary>
    [Benchmark]
    public int StringParser()
    {
        string text = Encoding.ASCII.GetString(_head);
        string[] lines = text.Split("\r\n");
        string[] requestLine = lines[0].Split(' ');
        if (requestLine.Length != 3 || requestLine[0] != "GET" || requestLine[2] != "HTTP/1.1")
        {
            return 400;
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 1; i < lines.Length && lines[i].Length > 0; i++)
        {
            int colon = lines[i].IndexOf(':', StringComparison.Ordinal);
            string name = lines[i][..colon];
            string value = lines[i][(colon + 1)..].Trim();
            headers[name] = headers.TryGetValue(name, out string? existing) ? existing + ", " + value : value;
        }

        if (!headers.TryGetValue("Upgrade", out string? upgrade) || !upgrade.Contains("websocket", StringComparison.OrdinalIgnoreCase)
            || !headers.TryGetValue("Connection", out string? connection) || !connection.Contains("upgrade", StringComparison.OrdinalIgnoreCase)
            || !headers.TryGetValue("Sec-WebSocket-Version", out string? version) || version != "13"
            || !headers.TryGetValue("Sec-WebSocket-Key", out string? key) || Convert.FromBase64String(key).Length != 16)
        {
            return 400;
        }

        string accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + Guid)));
        string response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + accept + "\r\n\r\n";
        return Encoding.ASCII.GetBytes(response).Length;
    }

    /// <summary>Hands the middleware a stream to upgrade to, as Kestrel's connection would.</summary>
    private sealed class UpgradeFeature : IHttpUpgradeFeature
    {
        public bool IsUpgradableRequest => true;

        public Task<Stream> UpgradeAsync() => Task.FromResult<Stream>(Stream.Null);
    }
}
