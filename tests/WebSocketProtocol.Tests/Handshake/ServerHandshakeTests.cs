using System;
using System.Buffers;
using System.IO.Pipelines;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Framing;
using WebSocketProtocol.Handshake;
using WebSocketProtocol.Tests.Support;
using Xunit;
using static WebSocketProtocol.Tests.Handshake.HandshakeHarness;

namespace WebSocketProtocol.Tests.Handshake;

public class ServerHandshakeTests
{
    [Fact]
    public void The_rfc_6455_example_key_gives_the_rfc_accept_value()
    {
        Span<byte> accept = stackalloc byte[WebSocketAccept.AcceptLength];

        int written = WebSocketAccept.ComputeAccept(Encoding.ASCII.GetBytes(RfcKey), accept);

        Assert.Equal(RfcAccept, Encoding.ASCII.GetString(accept[..written]));
        Assert.True(WebSocketAccept.IsValidKey(Encoding.ASCII.GetBytes(RfcKey)));
    }

    [Fact]
    public void Generated_keys_are_valid_and_differ()
    {
        var keys = Enumerable.Range(0, 100).Select(_ =>
        {
            var key = new byte[WebSocketAccept.KeyLength];
            WebSocketAccept.GenerateKey(key);
            Assert.True(WebSocketAccept.IsValidKey(key));
            return Encoding.ASCII.GetString(key);
        }).ToList();

        Assert.Equal(100, keys.Distinct().Count());
    }

    [Theory]
    [InlineData("chat, superchat", "superchat")]
    [InlineData("chat", "chat")]
    [InlineData("other", null)]
    [InlineData("SUPERCHAT", null)]
    public async Task The_servers_most_preferred_subprotocol_among_the_offer_is_chosen(string offer, string? expected)
    {
        var options = new WebSocketServerOptions();
        options.SubProtocols.Add("superchat");
        options.SubProtocols.Add("chat");

        var (result, response, _) = await RunAsync(ValidRequest("Sec-WebSocket-Protocol: " + offer), options);

        Assert.Equal(HandshakeOutcome.Accepted, result.Outcome);
        Assert.Equal(expected, result.SubProtocol);
        if (expected is null)
        {
            Assert.DoesNotContain("Sec-WebSocket-Protocol", response, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains("\r\nSec-WebSocket-Protocol: " + expected + "\r\n", response, StringComparison.Ordinal);
            Assert.Same(options.SubProtocols.First(p => p == expected), result.SubProtocol);
        }
    }

    [Fact]
    public async Task SubProtocols_offered_in_repeated_headers_combine()
    {
        var options = new WebSocketServerOptions();
        options.SubProtocols.Add("b");

        var (result, _, _) = await RunAsync(ValidRequest("Sec-WebSocket-Protocol: a", "Sec-WebSocket-Protocol: x, b"), options);

        Assert.Equal("b", result.SubProtocol);
    }

    [Fact]
    public async Task A_configured_subprotocol_that_is_not_a_token_is_refused_rather_than_written_into_a_header()
    {
        var options = new WebSocketServerOptions();
        options.SubProtocols.Add("bad\r\nSet-Cookie: x");

        await Assert.ThrowsAsync<InvalidOperationException>(() => RunAsync(ValidRequest("Sec-WebSocket-Protocol: a"), options));
    }

    [Fact]
    public async Task The_request_filter_sees_path_origin_subprotocol_and_any_header_and_can_refuse_with_403()
    {
        var options = new WebSocketServerOptions { OriginPolicy = OriginPolicy.Any };
        options.SubProtocols.Add("chat");
        string? seen = null;
        options.RequestFilter = request =>
        {
            request.TryGetHeader("x-token"u8, out ReadOnlySpan<byte> token);
            seen = $"{request.GetPathString()}|{Encoding.ASCII.GetString(request.Query)}|{request.SelectedSubProtocol}|{request.GetHeader("Origin")}|{Encoding.ASCII.GetString(token)}";
            return token.SequenceEqual("secret"u8);
        };

        var (accepted, _, _) = await RunAsync(ValidRequest("Origin: http://elsewhere", "Sec-WebSocket-Protocol: chat", "X-Token: secret"), options);
        var (refused, response, _) = await RunAsync(ValidRequest("X-Token: wrong"), options);

        Assert.Equal(HandshakeOutcome.Accepted, accepted.Outcome);
        Assert.Equal(HandshakeOutcome.Rejected, refused.Outcome);
        Assert.Equal(HandshakeError.RejectedByApplication, refused.Error);
        Assert.StartsWith("HTTP/1.1 403 Forbidden\r\n", response, StringComparison.Ordinal);
        Assert.Equal("/chat|room=a|||wrong", seen);
    }

    [Theory]
    [InlineData(OriginPolicy.SameOrigin, "https://app.example", true)]
    [InlineData(OriginPolicy.AllowList, "https://app.example", true)]
    [InlineData(OriginPolicy.AllowList, "http://example.com", false)]
    [InlineData(OriginPolicy.AllowList, null, true)]
    [InlineData(OriginPolicy.Any, "http://evil.example", true)]
    public async Task Origin_policies_accept_and_refuse_as_documented(OriginPolicy policy, string? origin, bool accepted)
    {
        var options = new WebSocketServerOptions { OriginPolicy = policy };
        options.AllowedOrigins.Add("https://app.example");

        var (result, _, _) = await RunAsync(origin is null ? ValidRequest() : ValidRequest("Origin: " + origin), options);

        Assert.Equal(accepted ? HandshakeOutcome.Accepted : HandshakeOutcome.Rejected, result.Outcome);
    }

    [Fact]
    public async Task Bytes_after_the_request_head_stay_in_the_pipe_for_the_frame_reader()
    {
        var frame = new byte[2 + 4 + 3];
        new FrameHeader(Opcode.Text, 3, isMasked: true, maskKey: 0x01020304).Write(frame);
        PayloadMask.Apply("abc"u8, frame.AsSpan(6), 0x01020304, 0);
        byte[] request = Encoding.ASCII.GetBytes(ValidRequest()).Concat(frame).ToArray();
        var input = new ChunkedPipeReader(new[] { request });
        var output = new Pipe();

        ServerHandshakeResult result = await HandshakeNegotiator.AcceptAsync(input, output.Writer, new WebSocketServerOptions());
        var reader = new FrameReader(input, new FrameReaderOptions(WebSocketRole.Server));

        Assert.Equal(HandshakeOutcome.Accepted, result.Outcome);
        Assert.True(await reader.ReadFrameAsync());
        var payload = new byte[3];
        reader.Current.CopyPayloadTo(payload);
        Assert.Equal("abc", Encoding.ASCII.GetString(payload));
    }

    [Fact]
    public async Task A_plain_request_is_handed_back_with_its_path_and_headers_and_its_body_stays_in_the_pipe()
    {
        byte[] request = Encoding.ASCII.GetBytes("POST /form?x=1 HTTP/1.1\r\nHost: example.com\r\nContent-Length: 4\r\nX-A: 1\r\nx-a: 2\r\n\r\nbody");
        var input = new ChunkedPipeReader(new[] { request });
        var output = new Pipe();

        ServerHandshakeResult result = await HandshakeNegotiator.AcceptAsync(input, output.Writer, new WebSocketServerOptions());

        Assert.Equal(HandshakeOutcome.NotWebSocket, result.Outcome);
        Assert.Equal(0, result.StatusCode);
        HttpRequestInfo info = Assert.IsType<HttpRequestInfo>(result.Request);
        Assert.Equal("POST", info.Method);
        Assert.Equal("/form?x=1", info.Target);
        Assert.Equal("/form", info.Path);
        Assert.Equal("HTTP/1.1", info.Version);
        Assert.Equal("1, 2", info.GetHeader("X-A"));
        ReadResult rest = await input.ReadAsync();
        Assert.Equal("body", Encoding.ASCII.GetString(rest.Buffer.ToArray()));
    }

    [Fact]
    public async Task A_head_that_never_completes_gets_408_at_the_handshake_timeout()
    {
        var input = new Pipe();
        var output = new Pipe();
        await input.Writer.WriteAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\n"));
        var options = new WebSocketServerOptions { HandshakeTimeout = TimeSpan.FromMilliseconds(200) };

        ServerHandshakeResult result = await HandshakeNegotiator.AcceptAsync(input.Reader, output.Writer, options).AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(HandshakeError.Timeout, result.Error);
        ReadResult read = await output.Reader.ReadAsync();
        Assert.StartsWith("HTTP/1.1 408 Request Timeout\r\n", Encoding.ASCII.GetString(read.Buffer.ToArray()), StringComparison.Ordinal);
        Assert.True(read.IsCompleted);
    }

    [Fact]
    public async Task A_client_that_closes_mid_head_gets_400()
    {
        var (result, response, _) = await RunAsync("GET / HTTP/1.1\r\nHost: x\r\n");

        Assert.Equal(HandshakeError.MalformedRequest, result.Error);
        Assert.StartsWith("HTTP/1.1 400 Bad Request\r\n", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Version_426_names_the_supported_version_and_405_names_the_allowed_method()
    {
        var (_, response426, _) = await RunAsync(ValidRequest().Replace("Version: 13", "Version: 8", StringComparison.Ordinal));
        var (_, response405, _) = await RunAsync(ValidRequest().Replace("GET ", "POST ", StringComparison.Ordinal));

        Assert.Contains("\r\nSec-WebSocket-Version: 13\r\n", response426, StringComparison.Ordinal);
        Assert.Contains("\r\nAllow: GET\r\n", response405, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_head_in_one_byte_packets_is_scanned_once_not_reparsed_on_every_read()
    {
        byte[] request = Encoding.ASCII.GetBytes(ValidRequest(Enumerable.Range(0, 60).Select(i => "X-Header-" + i + ": " + new string('v', 400)).ToArray()));
        var (result, _, input) = await RunAsync(request, oneBytePerChunk: true);

        Assert.Equal(HandshakeOutcome.Accepted, result.Outcome);
        // One read per packet (plus the first): a reparse storm would show as many more.
        Assert.True(input.ReadCalls <= request.Length + 1, $"{input.ReadCalls} reads for {request.Length} packets");
    }

    [Fact]
    public void Negotiating_a_typical_browser_handshake_allocates_nothing()
    {
        byte[] head = Encoding.ASCII.GetBytes(ValidRequest(
            "Origin: http://example.com",
            "Sec-WebSocket-Protocol: chat, superchat",
            "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits",
            "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36",
            "Accept-Encoding: gzip, deflate, br, zstd",
            "Accept-Language: en-US,en;q=0.9",
            "Cache-Control: no-cache",
            "Pragma: no-cache"));
        var options = new WebSocketServerOptions();
        options.SubProtocols.Add("chat");
        var response = new ArrayBufferWriter<byte>(1024);
        ServerHandshake.Negotiate(head, options, response);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            response.ResetWrittenCount();
            if (ServerHandshake.Negotiate(head, options, response).Outcome != HandshakeOutcome.Accepted)
            {
                throw new InvalidOperationException("Not accepted.");
            }
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public async Task Accepting_over_pipes_allocates_nothing_when_the_head_is_already_buffered()
    {
        byte[] head = Encoding.ASCII.GetBytes(ValidRequest("Origin: http://example.com"));
        var input = new Pipe(new PipeOptions(pool: new PrivateMemoryPool(), useSynchronizationContext: false));
        var output = new Pipe(new PipeOptions(pool: new PrivateMemoryPool(), useSynchronizationContext: false));
        var options = new WebSocketServerOptions();
        RunOnce();

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            RunOnce();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        await Task.CompletedTask;

        void RunOnce()
        {
            input.Writer.Write(head);
            if (!input.Writer.FlushAsync().IsCompletedSuccessfully)
            {
                throw new InvalidOperationException("Flush did not complete.");
            }

            ValueTask<ServerHandshakeResult> accept = HandshakeNegotiator.AcceptAsync(input.Reader, output.Writer, options);
            if (!accept.IsCompletedSuccessfully || accept.Result.Outcome != HandshakeOutcome.Accepted)
            {
                throw new InvalidOperationException("Not accepted synchronously.");
            }

            output.Reader.TryRead(out ReadResult written);
            output.Reader.AdvanceTo(written.Buffer.End);
        }
    }
}
