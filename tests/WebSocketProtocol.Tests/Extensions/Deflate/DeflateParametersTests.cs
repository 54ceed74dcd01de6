using System.Text;
using WebSocketProtocol.Extensions;
using WebSocketProtocol.Extensions.Deflate;
using Xunit;

namespace WebSocketProtocol.Tests.Extensions.Deflate;

public class DeflateParametersTests
{
    private static bool Parse(string element, bool isResponse, out DeflateParameters parameters)
    {
        var parser = new ExtensionHeaderParser(Encoding.ASCII.GetBytes(element));
        Assert.True(parser.MoveNext());
        return DeflateParameters.TryParse(parser.Current, isResponse, out parameters);
    }

    [Theory]
    [InlineData("permessage-deflate", false, false, 0, 0, false)]
    [InlineData("permessage-deflate; client_max_window_bits", false, false, 0, 0, true)]
    [InlineData("permessage-deflate; client_max_window_bits=10", false, false, 0, 10, true)]
    [InlineData("permessage-deflate; server_no_context_takeover; client_no_context_takeover", true, true, 0, 0, false)]
    [InlineData("permessage-deflate; server_max_window_bits=9; client_max_window_bits=15", false, false, 9, 15, true)]
    [InlineData("permessage-deflate; SERVER_MAX_WINDOW_BITS=\"12\"", false, false, 12, 0, false)]
    public void A_valid_offer_is_read_parameter_by_parameter(string offer, bool serverNoContext, bool clientNoContext, int serverBits, int clientBits, bool clientBitsOffered)
    {
        Assert.True(Parse(offer, isResponse: false, out DeflateParameters parameters));
        Assert.Equal(serverNoContext, parameters.ServerNoContextTakeover);
        Assert.Equal(clientNoContext, parameters.ClientNoContextTakeover);
        Assert.Equal(serverBits, parameters.ServerMaxWindowBits);
        Assert.Equal(clientBits, parameters.ClientMaxWindowBits);
        Assert.Equal(clientBitsOffered, parameters.ClientMaxWindowBitsOffered);
    }

    [Theory]
    [InlineData("permessage-deflate; unknown_parameter")]
    [InlineData("permessage-deflate; server_no_context_takeover; server_no_context_takeover")]
    [InlineData("permessage-deflate; client_no_context_takeover=1")]
    [InlineData("permessage-deflate; server_max_window_bits")]
    [InlineData("permessage-deflate; server_max_window_bits=7")]
    [InlineData("permessage-deflate; server_max_window_bits=16")]
    [InlineData("permessage-deflate; server_max_window_bits=09")]
    [InlineData("permessage-deflate; server_max_window_bits=+9")]
    [InlineData("permessage-deflate; server_max_window_bits=9; server_max_window_bits=10")]
    [InlineData("permessage-deflate; client_max_window_bits; client_max_window_bits=10")]
    [InlineData("permessage-deflate; client_max_window_bits=100")]
    public void An_offer_with_an_unknown_repeated_or_out_of_range_parameter_is_refused(string offer)
    {
        Assert.False(Parse(offer, isResponse: false, out _));
    }

    [Fact]
    public void A_response_must_give_client_max_window_bits_a_value()
    {
        Assert.True(Parse("permessage-deflate; client_max_window_bits", isResponse: false, out _));
        Assert.False(Parse("permessage-deflate; client_max_window_bits", isResponse: true, out _));
        Assert.True(Parse("permessage-deflate; client_max_window_bits=8", isResponse: true, out DeflateParameters response));
        Assert.Equal(8, response.ClientMaxWindowBits);
    }
}
