using System;
using System.Buffers;
using System.Text;
using System.Threading.Tasks;
using WebSocketProtocol.Extensions.Deflate;
using WebSocketProtocol.Handshake;
using Xunit;
using static WebSocketProtocol.Tests.Handshake.HandshakeHarness;

namespace WebSocketProtocol.Tests.Extensions.Deflate;

/// <summary>permessage-deflate negotiation (RFC 7692 section 7.1) through the server and client factories.</summary>
public class PerMessageDeflateNegotiationTests
{
    private static (PerMessageDeflateExtension? Extension, string Answer) ServerAnswers(string offerParameters, PerMessageDeflateOptions? policy = null)
    {
        var answer = new ArrayBufferWriter<byte>();
        var extension = (PerMessageDeflateExtension?)DeflateNegotiation.ServerAccepts(new PerMessageDeflateServerFactory(policy), offerParameters, answer);
        return (extension, Encoding.ASCII.GetString(answer.WrittenSpan));
    }

    [Theory]
    [InlineData("", "", false, false, 15, 15)]
    [InlineData("; client_max_window_bits", "", false, false, 15, 15)]
    [InlineData("; client_max_window_bits=10", "; client_max_window_bits=10", false, false, 15, 10)]
    [InlineData("; client_max_window_bits=\"9\"", "; client_max_window_bits=9", false, false, 15, 9)]
    [InlineData("; server_max_window_bits=8", "; server_max_window_bits=8", false, false, 8, 15)]
    [InlineData("; server_no_context_takeover", "; server_no_context_takeover", true, false, 15, 15)]
    [InlineData("; client_no_context_takeover", "; client_no_context_takeover", false, true, 15, 15)]
    [InlineData("; Server_No_Context_Takeover; CLIENT_NO_CONTEXT_TAKEOVER; server_max_window_bits=12; client_max_window_bits=11",
        "; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=12; client_max_window_bits=11", true, true, 12, 11)]
    public void The_server_accepts_a_valid_offer_and_answers_what_both_sides_will_use(string offer, string answer, bool serverNoContext, bool clientNoContext, int serverBits, int clientBits)
    {
        var (extension, written) = ServerAnswers(offer);

        Assert.NotNull(extension);
        Assert.Equal(answer, written);
        Assert.Equal((serverNoContext, clientNoContext, serverBits, clientBits), (extension.ServerNoContextTakeover, extension.ClientNoContextTakeover, extension.ServerMaxWindowBits, extension.ClientMaxWindowBits));
        Assert.Equal(WebSocketRole.Server, extension.Role);
    }

    [Theory]
    [InlineData("; server_max_window_bits")]
    [InlineData("; server_max_window_bits=7")]
    [InlineData("; server_max_window_bits=16")]
    [InlineData("; server_max_window_bits=010")]
    [InlineData("; server_max_window_bits=+9")]
    [InlineData("; client_max_window_bits=0")]
    [InlineData("; client_max_window_bits=1a")]
    [InlineData("; server_no_context_takeover; server_no_context_takeover")]
    [InlineData("; client_max_window_bits; client_max_window_bits=10")]
    [InlineData("; server_no_context_takeover=1")]
    [InlineData("; client_no_context_takeover=true")]
    [InlineData("; unknown_parameter")]
    public void The_server_declines_an_offer_with_an_invalid_unknown_or_repeated_parameter(string offer)
    {
        var (extension, written) = ServerAnswers(offer);

        Assert.Null(extension);
        Assert.Equal(string.Empty, written);
    }

    [Theory]
    [InlineData("", true, false, 15, 15, "; server_no_context_takeover")]
    [InlineData("", false, true, 15, 15, "; client_no_context_takeover")]
    [InlineData("", false, false, 10, 15, "; server_max_window_bits=10")]
    [InlineData("; server_max_window_bits=12", false, false, 10, 15, "; server_max_window_bits=10")]
    [InlineData("; server_max_window_bits=9", false, false, 10, 15, "; server_max_window_bits=9")]
    [InlineData("; client_max_window_bits", false, false, 15, 10, "; client_max_window_bits=10")]
    [InlineData("; client_max_window_bits=9", false, false, 15, 10, "; client_max_window_bits=9")]
    public void The_server_policy_shapes_the_answer(string offer, bool serverNoContext, bool clientNoContext, int serverBits, int clientBits, string answer)
    {
        var policy = new PerMessageDeflateOptions
        {
            ServerNoContextTakeover = serverNoContext,
            ClientNoContextTakeover = clientNoContext,
            ServerMaxWindowBits = serverBits,
            ClientMaxWindowBits = clientBits,
        };

        var (extension, written) = ServerAnswers(offer, policy);

        Assert.NotNull(extension);
        Assert.Equal(answer, written);
    }

    [Fact]
    public void A_server_that_limits_the_client_window_declines_an_offer_that_cannot_be_limited()
    {
        // Section 7.1.2.2: without client_max_window_bits in the offer the server may not answer it.
        var (extension, _) = ServerAnswers(string.Empty, new PerMessageDeflateOptions { ClientMaxWindowBits = 10 });

        Assert.Null(extension);
    }

    [Fact]
    public async Task Over_a_handshake_the_first_acceptable_of_several_offers_is_agreed()
    {
        var options = new WebSocketServerOptions();
        options.Extensions.Add(new PerMessageDeflateServerFactory());
        string offers = "permessage-deflate; server_max_window_bits=7, permessage-deflate; client_max_window_bits=16, permessage-deflate; server_no_context_takeover; client_max_window_bits, permessage-deflate";

        var (result, response, _) = await RunAsync(ValidRequest("Sec-WebSocket-Extensions: " + offers), options);

        Assert.Equal(HandshakeOutcome.Accepted, result.Outcome);
        Assert.Contains("\r\nSec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n", response, StringComparison.Ordinal);
        var agreed = Assert.IsType<PerMessageDeflateExtension>(Assert.Single(result.Extensions));
        Assert.True(agreed.ServerNoContextTakeover);
    }

    [Fact]
    public async Task The_offer_Chromium_sends_is_accepted()
    {
        var options = new WebSocketServerOptions();
        options.Extensions.Add(new PerMessageDeflateServerFactory());

        var (result, response, _) = await RunAsync(ValidRequest("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits"), options);

        Assert.Equal(HandshakeOutcome.Accepted, result.Outcome);
        Assert.Contains("\r\nSec-WebSocket-Extensions: permessage-deflate\r\n", response, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, false, 15, 15, "; client_max_window_bits")]
    [InlineData(true, true, 10, 9, "; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=9")]
    public void The_client_offers_what_its_options_say(bool serverNoContext, bool clientNoContext, int serverBits, int clientBits, string offer)
    {
        var factory = new PerMessageDeflateClientFactory(new PerMessageDeflateOptions
        {
            ServerNoContextTakeover = serverNoContext,
            ClientNoContextTakeover = clientNoContext,
            ServerMaxWindowBits = serverBits,
            ClientMaxWindowBits = clientBits,
        });
        var written = new ArrayBufferWriter<byte>();

        factory.WriteOffer(written);

        Assert.Equal(offer, Encoding.ASCII.GetString(written.WrittenSpan));
    }

    [Theory]
    [InlineData("", false, false, 15, 15)]
    [InlineData("; server_no_context_takeover", true, false, 15, 15)]
    [InlineData("; client_no_context_takeover", false, true, 15, 15)]
    [InlineData("; server_max_window_bits=9", false, false, 9, 15)]
    [InlineData("; client_max_window_bits=8", false, false, 15, 8)]
    public void The_client_accepts_an_answer_within_its_offer_and_uses_it(string answer, bool serverNoContext, bool clientNoContext, int serverBits, int clientBits)
    {
        var extension = (PerMessageDeflateExtension?)DeflateNegotiation.ClientAccepts(new PerMessageDeflateClientFactory(), answer);

        Assert.NotNull(extension);
        Assert.Equal(WebSocketRole.Client, extension.Role);
        Assert.Equal((serverNoContext, clientNoContext, serverBits, clientBits), (extension.ServerNoContextTakeover, extension.ClientNoContextTakeover, extension.ServerMaxWindowBits, extension.ClientMaxWindowBits));
    }

    [Theory]
    [InlineData("; client_max_window_bits", "")]
    [InlineData("; server_max_window_bits=16", "")]
    [InlineData("; server_no_context_takeover; server_no_context_takeover", "")]
    [InlineData("; x=1", "")]
    [InlineData("", "server_no_context_takeover")]
    [InlineData("", "server_max_window_bits=10")]
    [InlineData("; server_max_window_bits=11", "server_max_window_bits=10")]
    [InlineData("; client_max_window_bits=12", "client_max_window_bits=10")]
    public void The_client_refuses_an_answer_that_breaks_the_grammar_or_its_offer(string answer, string offered)
    {
        var options = new PerMessageDeflateOptions();
        switch (offered.Split('=')[0])
        {
            case "server_no_context_takeover":
                options.ServerNoContextTakeover = true;
                break;
            case "server_max_window_bits":
                options.ServerMaxWindowBits = int.Parse(offered.Split('=')[1], System.Globalization.CultureInfo.InvariantCulture);
                break;
            case "client_max_window_bits":
                options.ClientMaxWindowBits = int.Parse(offered.Split('=')[1], System.Globalization.CultureInfo.InvariantCulture);
                break;
        }

        Assert.Null(DeflateNegotiation.ClientAccepts(new PerMessageDeflateClientFactory(options), answer));
    }

    [Fact]
    public void Policy_window_sizes_outside_8_to_15_are_refused()
    {
        var options = new PerMessageDeflateOptions();

        Assert.Throws<ArgumentOutOfRangeException>(() => options.ServerMaxWindowBits = 7);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.ClientMaxWindowBits = 16);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.CompressionThreshold = -1);
    }
}
