using System;
using System.Buffers;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using WebSocketProtocol.Extensions;
using WebSocketProtocol.Framing;
using WebSocketProtocol.Handshake;
using Xunit;
using static WebSocketProtocol.Tests.Handshake.HandshakeHarness;

namespace WebSocketProtocol.Tests.Extensions;

public class ExtensionNegotiationTests
{
    /// <summary>A toy extension: accepts <c>mode=a</c> or <c>mode=b</c> given once, claims <paramref name="bits"/>.</summary>
    private sealed class ModeExtension : WebSocketExtension
    {
        public ModeExtension(string name, string mode, ReservedBits bits)
        {
            Name = name;
            Mode = mode;
            ReservedBits = bits;
        }

        public override string Name { get; }

        public override ReservedBits ReservedBits { get; }

        public string Mode { get; }

        public bool Disposed { get; private set; }

        protected override void Dispose(bool disposing) => Disposed = true;
    }

    private sealed class ModeFactory : IWebSocketExtensionFactory, IWebSocketClientExtensionFactory
    {
        public ModeFactory(string name = "x-mode", ReservedBits bits = ReservedBits.Rsv2)
        {
            Name = name;
            Bits = bits;
        }

        public string Name { get; }

        public ReservedBits Bits { get; }

        public ModeExtension? Last { get; private set; }

        public int Offers { get; private set; }

        public WebSocketExtension? Accept(ExtensionOffer offer, IBufferWriter<byte> responseParameters)
        {
            Offers++;
            string? mode = ReadMode(offer);
            if (mode is null)
            {
                return null;
            }

            byte[] parameters = Encoding.ASCII.GetBytes("; mode=" + mode);
            responseParameters.Write(parameters);
            return Last = new ModeExtension(Name, mode, Bits);
        }

        public void WriteOffer(IBufferWriter<byte> parameters) => parameters.Write("; mode=a; mode=b"u8);

        public WebSocketExtension? Accept(ExtensionOffer response) =>
            ReadMode(response) is { } mode ? Last = new ModeExtension(Name, mode, Bits) : null;

        private static string? ReadMode(ExtensionOffer offer)
        {
            string? mode = null;
            foreach (ExtensionParameter parameter in offer.Parameters)
            {
                string value = Encoding.ASCII.GetString(parameter.Value);
                // A repeated parameter or an unknown one declines the offer, as RFC 7692 has it for its own parameters.
                if (!parameter.Name.SequenceEqual("mode"u8) || mode is not null || (value != "a" && value != "b"))
                {
                    return null;
                }

                mode = value;
            }

            return mode;
        }
    }

    private static WebSocketServerOptions ServerWith(params IWebSocketExtensionFactory[] factories)
    {
        var options = new WebSocketServerOptions();
        foreach (IWebSocketExtensionFactory factory in factories)
        {
            options.Extensions.Add(factory);
        }

        return options;
    }

    [Theory]
    [InlineData("x-mode; mode=b", "x-mode; mode=b")]
    [InlineData("X-Mode ; mode = \"a\"", "x-mode; mode=a")]
    [InlineData("x-mode; mode=z, x-mode; mode=a", "x-mode; mode=a")]
    [InlineData("permessage-deflate; client_max_window_bits, x-mode;mode=b", "x-mode; mode=b")]
    [InlineData("x-mode; mode=a; mode=b, x-mode; mode=b", "x-mode; mode=b")]
    public async Task The_first_acceptable_offer_of_each_extension_is_agreed_and_answered(string offer, string answer)
    {
        var factory = new ModeFactory();

        var (result, response, _) = await RunAsync(ValidRequest("Sec-WebSocket-Extensions: " + offer), ServerWith(factory));

        Assert.Equal(HandshakeOutcome.Accepted, result.Outcome);
        Assert.Contains("\r\nSec-WebSocket-Extensions: " + answer + "\r\n", response, StringComparison.Ordinal);
        Assert.Same(factory.Last, Assert.Single(result.Extensions));
    }

    [Theory]
    [InlineData("x-mode; mode=z")]
    [InlineData("x-mode; other=1")]
    [InlineData("unknown-extension")]
    public async Task Offers_no_factory_accepts_leave_the_response_without_extensions(string offer)
    {
        var (result, response, _) = await RunAsync(ValidRequest("Sec-WebSocket-Extensions: " + offer), ServerWith(new ModeFactory()));

        Assert.Equal(HandshakeOutcome.Accepted, result.Outcome);
        Assert.Empty(result.Extensions);
        Assert.DoesNotContain("Sec-WebSocket-Extensions", response, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("x-mode; =a")]
    [InlineData("x-mode; mode=\"a")]
    [InlineData("x-mode; mode=a b")]
    [InlineData("x mode")]
    [InlineData("x-mode;; mode=a")]
    [InlineData("x-mode; mode=\"a,b\"")]
    public async Task A_malformed_extensions_header_gets_400_when_the_server_negotiates_extensions(string offer)
    {
        var (result, response, _) = await RunAsync(ValidRequest("Sec-WebSocket-Extensions: " + offer), ServerWith(new ModeFactory()));

        Assert.Equal(HandshakeError.InvalidExtensions, result.Error);
        Assert.StartsWith("HTTP/1.1 400 ", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_without_extensions_ignores_the_header_whatever_it_holds()
    {
        var (result, _, _) = await RunAsync(ValidRequest("Sec-WebSocket-Extensions: ;;; nonsense === \"unterminated"));

        Assert.Equal(HandshakeOutcome.Accepted, result.Outcome);
    }

    [Fact]
    public async Task A_thousand_declined_offers_are_each_seen_once_and_the_handshake_succeeds()
    {
        var factory = new ModeFactory();
        string offers = string.Join(", ", Enumerable.Repeat("x-mode; mode=z; mode=z", 1000));

        var (result, _, _) = await RunAsync(ValidRequest("Sec-WebSocket-Extensions: " + offers), ServerWith(factory));

        Assert.Equal(HandshakeOutcome.Accepted, result.Outcome);
        Assert.Equal(1000, factory.Offers);
    }

    [Fact]
    public async Task Two_extensions_claiming_the_same_reserved_bit_cannot_both_be_agreed()
    {
        var first = new ModeFactory("x-one", ReservedBits.Rsv1);
        var second = new ModeFactory("x-two", ReservedBits.Rsv1);

        var (result, response, _) = await RunAsync(ValidRequest("Sec-WebSocket-Extensions: x-one; mode=a, x-two; mode=b"), ServerWith(first, second));

        Assert.Equal("x-one", Assert.Single(result.Extensions).Name);
        Assert.True(second.Last!.Disposed);
        Assert.Contains("\r\nSec-WebSocket-Extensions: x-one; mode=a\r\n", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Extensions_agreed_before_the_request_filter_refuses_are_disposed()
    {
        var factory = new ModeFactory();
        WebSocketServerOptions options = ServerWith(factory);
        options.RequestFilter = _ => false;

        var (result, _, _) = await RunAsync(ValidRequest("Sec-WebSocket-Extensions: x-mode; mode=a"), options);

        Assert.Equal(HandshakeError.RejectedByApplication, result.Error);
        Assert.True(factory.Last!.Disposed);
    }

    [Fact]
    public void Our_client_offers_and_accepts_what_our_server_agrees_to()
    {
        var clientFactory = new ModeFactory();
        var clientOptions = new WebSocketClientOptions();
        clientOptions.Extensions.Add(clientFactory);
        var output = new ArrayBufferWriter<byte>();
        var key = new byte[WebSocketAccept.KeyLength];
        ClientHandshake.WriteRequest(output, new Uri("ws://example.com/"), clientOptions, key);
        string request = Encoding.ASCII.GetString(output.WrittenSpan);
        var response = new ArrayBufferWriter<byte>();

        ServerHandshakeResult server = ServerHandshake.Negotiate(output.WrittenSpan, ServerWith(new ModeFactory()), response);
        ClientHandshakeResult client = ClientHandshake.ValidateResponse(response.WrittenSpan, key, clientOptions);

        Assert.Contains("\r\nSec-WebSocket-Extensions: x-mode; mode=a; mode=b\r\n", request, StringComparison.Ordinal);
        Assert.Empty(server.Extensions);
        Assert.Empty(client.Extensions);

        // The repeated-parameter offer is declined; a separate clean offer is accepted and the answer checked by the client.
        clientFactory = new ModeFactory();
        var response2 = new ArrayBufferWriter<byte>();
        byte[] head = Encoding.ASCII.GetBytes(request.Replace("mode=a; mode=b", "mode=b", StringComparison.Ordinal));
        server = ServerHandshake.Negotiate(head, ServerWith(new ModeFactory()), response2);
        var options2 = new WebSocketClientOptions();
        options2.Extensions.Add(clientFactory);
        client = ClientHandshake.ValidateResponse(response2.WrittenSpan, key, options2);
        Assert.Equal("b", ((ModeExtension)Assert.Single(server.Extensions)).Mode);
        Assert.Equal("b", ((ModeExtension)Assert.Single(client.Extensions)).Mode);
    }

    [Theory]
    [InlineData("x-other", "did not offer")]
    [InlineData("x-mode; mode=a, x-mode; mode=b", "same extension twice")]
    [InlineData("x-mode; mode=q", "do not answer")]
    [InlineData("x-mode; =", "malformed")]
    public void A_client_refuses_answers_it_did_not_offer(string answer, string problem)
    {
        var options = new WebSocketClientOptions();
        options.Extensions.Add(new ModeFactory());
        byte[] key = Encoding.ASCII.GetBytes(RfcKey);
        string response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + RfcAccept
            + "\r\nSec-WebSocket-Extensions: " + answer + "\r\n\r\n";

        var error = Assert.Throws<WebSocketConnectException>(() => ClientHandshake.ValidateResponse(Encoding.ASCII.GetBytes(response), key, options));

        Assert.Equal(WebSocketConnectError.InvalidExtensions, error.Error);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }
}
