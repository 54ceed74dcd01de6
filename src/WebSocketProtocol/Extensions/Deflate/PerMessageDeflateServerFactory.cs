using System;
using System.Buffers;
using WebSocketProtocol.Handshake;

namespace WebSocketProtocol.Extensions.Deflate;

/// <summary>
/// The server's side of permessage-deflate negotiation (RFC 7692 section 7.1): accepts the first offer whose parameters are
/// valid and that the policy can honour, answering with the parameters both sides will use.
/// </summary>
public sealed class PerMessageDeflateServerFactory : IWebSocketExtensionFactory
{
    private readonly PerMessageDeflateOptions _options;

    /// <summary>Creates the factory with <paramref name="options"/>, or the defaults.</summary>
    /// <param name="options">The server's policy; read at each negotiation.</param>
    public PerMessageDeflateServerFactory(PerMessageDeflateOptions? options = null) => _options = options ?? new PerMessageDeflateOptions();

    /// <inheritdoc/>
    public string Name => PerMessageDeflateExtension.ExtensionName;

    /// <inheritdoc/>
    public WebSocketExtension? Accept(ExtensionOffer offer, IBufferWriter<byte> responseParameters)
    {
        // Section 7.1: an offer with an unknown, repeated or invalid parameter is declined, and the next one is tried.
        if (!DeflateParameters.TryParse(offer, isResponse: false, out DeflateParameters offered))
        {
            return null;
        }

        // Section 7.1.2.1: the client may cap our window; we may always use a smaller one than it allows.
        int serverBits = Math.Min(_options.ServerMaxWindowBits, offered.ServerMaxWindowBits == 0 ? PerMessageDeflateOptions.MaxWindowBits : offered.ServerMaxWindowBits);

        // Section 7.1.2.2: we may cap the client's window only when its offer says it can honour that.
        int clientBits;
        if (offered.ClientMaxWindowBitsOffered)
        {
            clientBits = Math.Min(_options.ClientMaxWindowBits, offered.ClientMaxWindowBits == 0 ? PerMessageDeflateOptions.MaxWindowBits : offered.ClientMaxWindowBits);
        }
        else if (_options.ClientMaxWindowBits < PerMessageDeflateOptions.MaxWindowBits)
        {
            return null;
        }
        else
        {
            clientBits = PerMessageDeflateOptions.MaxWindowBits;
        }

        bool serverNoContextTakeover = offered.ServerNoContextTakeover || _options.ServerNoContextTakeover;
        bool clientNoContextTakeover = offered.ClientNoContextTakeover || _options.ClientNoContextTakeover;
        if (serverNoContextTakeover)
        {
            DeflateParameterWriter.Write(responseParameters, "server_no_context_takeover"u8);
        }

        if (clientNoContextTakeover)
        {
            DeflateParameterWriter.Write(responseParameters, "client_no_context_takeover"u8);
        }

        if (offered.ServerMaxWindowBits != 0 || serverBits < PerMessageDeflateOptions.MaxWindowBits)
        {
            DeflateParameterWriter.Write(responseParameters, "server_max_window_bits"u8, serverBits);
        }

        if (offered.ClientMaxWindowBits != 0 || clientBits < PerMessageDeflateOptions.MaxWindowBits)
        {
            DeflateParameterWriter.Write(responseParameters, "client_max_window_bits"u8, clientBits);
        }

        return new PerMessageDeflateExtension(WebSocketRole.Server, serverNoContextTakeover, clientNoContextTakeover, serverBits, clientBits, _options.CompressionThreshold);
    }
}
