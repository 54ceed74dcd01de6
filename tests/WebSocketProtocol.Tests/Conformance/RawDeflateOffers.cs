using System.Buffers;
using System.Collections.Generic;
using System.Text;
using WebSocketProtocol.Extensions;
using WebSocketProtocol.Extensions.Deflate;

namespace WebSocketProtocol.Tests.Conformance;

/// <summary>
/// The test client's permessage-deflate offers, written as they are (several in a row, as Autobahn's 13.7 sends them), and
/// the server's answer checked against them the way RFC 7692 section 7.1 says a client must.
/// </summary>
internal sealed class RawDeflateOffers : IWebSocketClientExtensionFactory
{
    private readonly IReadOnlyList<DeflateOffer> _offers;

    public RawDeflateOffers(IReadOnlyList<DeflateOffer> offers) => _offers = offers;

    public string Name => PerMessageDeflateExtension.ExtensionName;

    /// <summary>What the server agreed to, once it answered.</summary>
    public PerMessageDeflateExtension? Agreed { get; private set; }

    public void WriteOffer(IBufferWriter<byte> parameters)
    {
        // The handshake writes the name once; the second and later offers carry their own.
        var text = new StringBuilder(_offers[0].Parameters);
        for (int i = 1; i < _offers.Count; i++)
        {
            text.Append(", ").Append(_offers[i]);
        }

        parameters.Write(Encoding.ASCII.GetBytes(text.ToString()));
    }

    public WebSocketExtension? Accept(ExtensionOffer response)
    {
        if (!DeflateParameters.TryParse(response, isResponse: true, out DeflateParameters answer))
        {
            return null;
        }

        // The answer must fit one of the offers: a window no larger than that offer allows (an offered
        // client_no_context_takeover is the client's promise, which the answer need not repeat).
        int clientBits = answer.ClientMaxWindowBits == 0 ? PerMessageDeflateOptions.MaxWindowBits : answer.ClientMaxWindowBits;
        foreach (DeflateOffer offer in _offers)
        {
            if (offer.ClientMaxWindowBits == 0 || clientBits <= offer.ClientMaxWindowBits)
            {
                int usedBits = answer.ClientMaxWindowBits != 0 ? answer.ClientMaxWindowBits : offer.ClientMaxWindowBits != 0 ? offer.ClientMaxWindowBits : PerMessageDeflateOptions.MaxWindowBits;
                int serverBits = answer.ServerMaxWindowBits == 0 ? PerMessageDeflateOptions.MaxWindowBits : answer.ServerMaxWindowBits;
                return Agreed = new PerMessageDeflateExtension(WebSocketRole.Client, answer.ServerNoContextTakeover, answer.ClientNoContextTakeover || offer.ClientNoContextTakeover, serverBits, usedBits, compressionThreshold: 0);
            }
        }

        return null;
    }
}
