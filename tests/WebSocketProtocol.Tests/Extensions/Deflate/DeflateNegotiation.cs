using System;
using System.Buffers;
using System.Text;
using WebSocketProtocol.Extensions;
using WebSocketProtocol.Extensions.Deflate;

namespace WebSocketProtocol.Tests.Extensions.Deflate;

/// <summary>Runs permessage-deflate negotiation through the real factories, as a handshake would, without the HTTP around it.</summary>
internal static class DeflateNegotiation
{
    /// <summary>The client's offer (after the name), the server's answer (after the name), and the two agreed extensions.</summary>
    public static (string Offer, string Answer, PerMessageDeflateExtension Server, PerMessageDeflateExtension Client) Agree(PerMessageDeflateOptions? server = null, PerMessageDeflateOptions? client = null)
    {
        var clientFactory = new PerMessageDeflateClientFactory(client);
        var offer = new ArrayBufferWriter<byte>();
        clientFactory.WriteOffer(offer);
        string offerText = Encoding.ASCII.GetString(offer.WrittenSpan);

        var answer = new ArrayBufferWriter<byte>();
        WebSocketExtension serverExtension = ServerAccepts(new PerMessageDeflateServerFactory(server), offerText, answer)
            ?? throw new InvalidOperationException("The server declined the offer: " + offerText);
        string answerText = Encoding.ASCII.GetString(answer.WrittenSpan);
        WebSocketExtension clientExtension = ClientAccepts(clientFactory, answerText)
            ?? throw new InvalidOperationException("The client refused the answer: " + answerText);
        return (offerText, answerText, (PerMessageDeflateExtension)serverExtension, (PerMessageDeflateExtension)clientExtension);
    }

    /// <summary>Offers <c>permessage-deflate</c> followed by <paramref name="parameters"/> to <paramref name="factory"/>.</summary>
    public static WebSocketExtension? ServerAccepts(PerMessageDeflateServerFactory factory, string parameters, IBufferWriter<byte> answer)
    {
        var parser = new ExtensionHeaderParser(Encoding.ASCII.GetBytes("permessage-deflate" + parameters));
        if (!parser.MoveNext())
        {
            throw new ArgumentException("Not an extension element: " + parameters, nameof(parameters));
        }

        return factory.Accept(parser.Current, answer);
    }

    /// <summary>Hands the answer <c>permessage-deflate</c> followed by <paramref name="parameters"/> to <paramref name="factory"/>.</summary>
    public static WebSocketExtension? ClientAccepts(PerMessageDeflateClientFactory factory, string parameters)
    {
        var parser = new ExtensionHeaderParser(Encoding.ASCII.GetBytes("permessage-deflate" + parameters));
        if (!parser.MoveNext())
        {
            throw new ArgumentException("Not an extension element: " + parameters, nameof(parameters));
        }

        return factory.Accept(parser.Current);
    }
}
