using System;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using WebSocketProtocol.Framing;
using WebSocketProtocol.Tests.Samples;
using Xunit;
using Xunit.Abstractions;

namespace WebSocketProtocol.Tests.Hardening;

/// <summary>
/// Hostile opening handshakes against samples/ChatServer over raw loopback sockets. The library's limits (request line
/// 8 KiB, 100 header fields, 32 KiB of head) answer with 431 as soon as they are crossed; RFC 6455 section 4.2.1's rules
/// answer with 400, 405, 426 or 403; and each time the server ends the connection, stays small and serves the next client.
/// </summary>
[Collection(SampleCollection.Name)]
public sealed class HandshakeHardeningTests : IClassFixture<HandshakeHardeningTests.DefaultServer>
{
    private readonly HardenedServer _server;
    private readonly ITestOutputHelper _output;

    public HandshakeHardeningTests(DefaultServer fixture, ITestOutputHelper output)
    {
        _server = fixture.Server;
        _output = output;
    }

    [Fact]
    public async Task Ten_thousand_header_fields_are_refused_with_431_after_the_101st()
    {
        await _server.WithstandsAsync(async () =>
        {
            string flood = string.Concat(Enumerable.Repeat("X-Flood: 1\r\n", 10_000));
            HttpResponseHead response = await SendHeadAndReadRefusalAsync(Encoding.ASCII.GetBytes($"GET /echo HTTP/1.1\r\nHost: x\r\n{flood}\r\n"));
            Assert.Equal(431, response.Status);
        }, _output);
    }

    [Theory]
    [InlineData("header field")]
    [InlineData("request line")]
    public async Task A_one_mebibyte_line_is_refused_with_431_without_being_buffered(string where)
    {
        await _server.WithstandsAsync(async () =>
        {
            string huge = new('a', 1024 * 1024);
            string head = where == "header field"
                ? $"GET /echo HTTP/1.1\r\nHost: x\r\nX-Huge: {huge}\r\n\r\n"
                : $"GET /echo?{huge} HTTP/1.1\r\nHost: x\r\n\r\n";
            HttpResponseHead response = await SendHeadAndReadRefusalAsync(Encoding.ASCII.GetBytes(head));
            Assert.Equal(431, response.Status);
        }, _output);
    }

    [Fact]
    public async Task Sixty_four_KiB_of_headers_in_one_byte_packets_are_refused_with_431_once_past_32_KiB()
    {
        await _server.WithstandsAsync(async () =>
        {
            // 80 fields of 820 bytes: under the field count limit, over the 32 KiB head limit halfway through.
            string fields = string.Concat(Enumerable.Range(0, 80).Select(i => $"X-Pad-{i:D2}: {new string('p', 808)}\r\n"));
            byte[] head = Encoding.ASCII.GetBytes($"GET /echo HTTP/1.1\r\nHost: x\r\n{fields}\r\n");
            Assert.True(head.Length >= 64 * 1024);
            using HostilePeer peer = await HostilePeer.ConnectAsync(_server.Port);
            Task<HttpResponseHead> refusal = peer.ReadRefusalAsync();
            int sent = await SendOneByteAtATimeAsync(peer, head, until: refusal);
            HttpResponseHead response = await refusal;
            Assert.Equal(431, response.Status);

            // The head was judged as it arrived: the refusal came once the limit was crossed, not at the end of the head.
            Assert.InRange(sent, 32 * 1024, head.Length);
            _output.WriteLine($"431 after {sent} of {head.Length} bytes sent one per packet");
        }, _output);
    }

    [Fact]
    public async Task A_head_just_under_the_limit_in_one_byte_packets_is_accepted_within_the_same_bound()
    {
        await _server.WithstandsAsync(async () =>
        {
            // Each byte is scanned once however the head is split, so 31 KiB in 31,000-odd packets costs linear time.
            string key = HostilePeer.NewKey();
            string[] fields = Enumerable.Range(0, 60).Select(i => $"X-Pad-{i:D2}: {new string('p', 510)}").ToArray();
            byte[] head = HostilePeer.UpgradeRequest("/echo", _server.Port, key, fields);
            Assert.InRange(head.Length, 30 * 1024, 32 * 1024);
            using HostilePeer peer = await HostilePeer.ConnectAsync(_server.Port);
            Task<HttpResponseHead> response = peer.ReadResponseHeadAsync();
            Assert.Equal(head.Length, await SendOneByteAtATimeAsync(peer, head, until: response));
            Assert.Equal(101, (await response).Status);
            Assert.Equal(HostilePeer.ExpectedAccept(key), (await response).Header("Sec-WebSocket-Accept"));
            await EchoOnceAsync(peer);
        }, _output);
    }

    [Theory]
    [InlineData("28 KB of offers", 101)]
    [InlineData("empty elements", 101)]
    [InlineData("obs-text bytes", 101)]
    [InlineData("90 repeated fields", 101)]
    [InlineData("a control character", 400)]
    [InlineData("a NUL byte", 400)]
    public async Task A_hostile_Sec_WebSocket_Protocol_is_ignored_or_refused_with_400_and_never_echoed(string what, int status)
    {
        // The sample speaks no subprotocol, so none may be chosen whatever the client offers (RFC 6455 section 4.2.2).
        string[] fields = what switch
        {
            "28 KB of offers" => [$"Sec-WebSocket-Protocol: {string.Join(", ", Enumerable.Range(0, 4000).Select(i => $"p{i:D4}"))}"],
            "empty elements" => ["Sec-WebSocket-Protocol: , ,,,chat,,, ,"],
            "obs-text bytes" => ["Sec-WebSocket-Protocol: chat\u00e9\u00ff, \u0080"],
            "90 repeated fields" => Enumerable.Repeat("Sec-WebSocket-Protocol: chat, superchat", 90).ToArray(),
            "a control character" => ["Sec-WebSocket-Protocol: chat\u0001"],
            _ => ["Sec-WebSocket-Protocol: ch\u0000at"],
        };
        await _server.WithstandsAsync(async () =>
        {
            HttpResponseHead response = await HandshakeAsync("/echo", fields, status);
            Assert.Null(response.Header("Sec-WebSocket-Protocol"));
        }, _output);
    }

    [Theory]
    [InlineData("a window of 10^23 bits", 101, false)]
    [InlineData("a repeated parameter", 101, false)]
    [InlineData("two thousand parameters", 101, false)]
    [InlineData("a thousand unknown offers then a good one", 101, true)]
    [InlineData("ten thousand commas", 101, false)]
    [InlineData("an unterminated quoted string", 400, false)]
    [InlineData("an empty parameter", 400, false)]
    [InlineData("an escape in a quoted value", 400, false)]
    [InlineData("a quoted name", 400, false)]
    public async Task A_hostile_Sec_WebSocket_Extensions_is_declined_or_refused_with_400(string what, int status, bool deflateAgreed)
    {
        string value = what switch
        {
            "a window of 10^23 bits" => "permessage-deflate; client_max_window_bits=99999999999999999999999",
            "a repeated parameter" => "permessage-deflate; server_max_window_bits=10; server_max_window_bits=10",
            "two thousand parameters" => "permessage-deflate" + string.Concat(Enumerable.Repeat("; client_no_context_takeover", 1000)) + string.Concat(Enumerable.Repeat("; x", 1000)),
            "a thousand unknown offers then a good one" => string.Concat(Enumerable.Repeat("x-unknown; a=1, ", 1000)) + "permessage-deflate",
            "ten thousand commas" => new string(',', 10_000),
            "an unterminated quoted string" => "permessage-deflate; server_max_window_bits=\"10, permessage-deflate",
            "an empty parameter" => "permessage-deflate;;",
            "an escape in a quoted value" => "permessage-deflate; server_max_window_bits=\"1\\0\"",
            _ => "\"permessage-deflate\"",
        };
        await _server.WithstandsAsync(async () =>
        {
            HttpResponseHead response = await HandshakeAsync("/echo", [$"Sec-WebSocket-Extensions: {value}"], status);
            Assert.Equal(deflateAgreed ? "permessage-deflate" : null, response.Header("Sec-WebSocket-Extensions"));
        }, _output);
    }

    [Theory]
    [InlineData("a key of 15 bytes", 400)]
    [InlineData("a key that is not base64", 400)]
    [InlineData("two keys", 400)]
    [InlineData("version 8", 426)]
    [InlineData("POST", 405)]
    [InlineData("a disallowed Origin", 403)]
    public async Task A_handshake_breaking_RFC_6455_section_4_2_1_is_refused_with_its_status(string what, int status)
    {
        string key = HostilePeer.NewKey();
        string request = Encoding.Latin1.GetString(HostilePeer.UpgradeRequest("/chat", _server.Port, key));
        request = what switch
        {
            "a key of 15 bytes" => request.Replace(key, Convert.ToBase64String(new byte[15]), StringComparison.Ordinal),
            "a key that is not base64" => request.Replace(key, "!!!!!!!!!!!!!!!!!!!!!!==", StringComparison.Ordinal),
            "two keys" => request.Replace("\r\n\r\n", $"\r\nSec-WebSocket-Key: {HostilePeer.NewKey()}\r\n\r\n", StringComparison.Ordinal),
            "version 8" => request.Replace("Sec-WebSocket-Version: 13", "Sec-WebSocket-Version: 8", StringComparison.Ordinal),
            "POST" => "POST" + request.Substring(3),
            _ => request.Replace("\r\n\r\n", "\r\nOrigin: http://evil.example\r\n\r\n", StringComparison.Ordinal),
        };
        await _server.WithstandsAsync(async () =>
        {
            HttpResponseHead response = await SendHeadAndReadRefusalAsync(Encoding.Latin1.GetBytes(request));
            Assert.Equal(status, response.Status);
            Assert.Null(response.Header("Sec-WebSocket-Accept"));
            if (status == 426)
            {
                // RFC 6455 section 4.4: the refusal names the version the server speaks.
                Assert.Equal("13", response.Header("Sec-WebSocket-Version"));
            }

            if (status == 405)
            {
                Assert.Equal("GET", response.Header("Allow"));
            }
        }, _output);
    }

    /// <summary>Sends <paramref name="head"/> (stopping if the server cuts it short) and reads the refusal it gets.</summary>
    private async Task<HttpResponseHead> SendHeadAndReadRefusalAsync(byte[] head)
    {
        using HostilePeer peer = await HostilePeer.ConnectAsync(_server.Port);

        // Read while sending: the server answers as soon as a limit is crossed, and resets the rest.
        Task<HttpResponseHead> refusal = peer.ReadRefusalAsync();
        await peer.TrySendAsync(head);
        return await refusal;
    }

    /// <summary>A valid upgrade with <paramref name="fields"/> added, answered with <paramref name="status"/>; a 101 is then shown to work.</summary>
    private async Task<HttpResponseHead> HandshakeAsync(string path, string[] fields, int status)
    {
        string key = HostilePeer.NewKey();
        byte[] request = HostilePeer.UpgradeRequest(path, _server.Port, key, fields);
        if (status != 101)
        {
            HttpResponseHead refused = await SendHeadAndReadRefusalAsync(request);
            Assert.Equal(status, refused.Status);
            return refused;
        }

        using HostilePeer peer = await HostilePeer.ConnectAsync(_server.Port);
        await peer.SendAsync(request);
        HttpResponseHead response = await peer.ReadResponseHeadAsync();
        Assert.Equal(101, response.Status);
        Assert.Equal(HostilePeer.ExpectedAccept(key), response.Header("Sec-WebSocket-Accept"));
        if (response.Header("Sec-WebSocket-Extensions") is null)
        {
            await EchoOnceAsync(peer);
        }
        else
        {
            await peer.SendAsync(HostilePeer.CloseFrame(1000));
            await peer.ExpectCloseAsync(1000);
        }

        return response;
    }

    /// <summary>One small echo and a clean close on an accepted connection.</summary>
    private static async Task EchoOnceAsync(HostilePeer peer)
    {
        await peer.SendAsync(HostilePeer.Frame(Opcode.Text, "ping?"u8));
        ServerFrame echo = await peer.ReadFrameAsync();
        Assert.Equal((Opcode.Text, "ping?"), (echo.Opcode, echo.Text));
        await peer.SendAsync(HostilePeer.CloseFrame(1000));
        await peer.ExpectCloseAsync(1000);
    }

    /// <summary>Sends <paramref name="bytes"/> one per packet until done, the server resets, or <paramref name="until"/> completes; returns the count sent.</summary>
    private static async Task<int> SendOneByteAtATimeAsync(HostilePeer peer, byte[] bytes, Task until)
    {
        int sent = 0;
        while (sent < bytes.Length && !until.IsCompleted && await peer.TrySendAsync(bytes.AsMemory(sent, 1)))
        {
            sent++;
        }

        return sent;
    }

    /// <summary>The sample with its defaults: the library's handshake limits and a 10 s handshake timeout.</summary>
    public sealed class DefaultServer : HardenedServerFixture
    {
    }
}
