using System.Buffers;

namespace WebSocketProtocol.Extensions.Deflate;

/// <summary>
/// The client's side of permessage-deflate negotiation (RFC 7692 section 7.1): writes one offer from the policy and accepts
/// only an answer that honours it.
/// </summary>
public sealed class PerMessageDeflateClientFactory : IWebSocketClientExtensionFactory
{
    private readonly PerMessageDeflateOptions _options;

    /// <summary>Creates the factory with <paramref name="options"/>, or the defaults.</summary>
    /// <param name="options">What to offer; read when the offer is written and when the answer is judged.</param>
    public PerMessageDeflateClientFactory(PerMessageDeflateOptions? options = null) => _options = options ?? new PerMessageDeflateOptions();

    /// <inheritdoc/>
    public string Name => PerMessageDeflateExtension.ExtensionName;

    /// <inheritdoc/>
    public void WriteOffer(IBufferWriter<byte> parameters)
    {
        if (_options.ServerNoContextTakeover)
        {
            DeflateParameterWriter.Write(parameters, "server_no_context_takeover"u8);
        }

        if (_options.ClientNoContextTakeover)
        {
            DeflateParameterWriter.Write(parameters, "client_no_context_takeover"u8);
        }

        if (_options.ServerMaxWindowBits < PerMessageDeflateOptions.MaxWindowBits)
        {
            DeflateParameterWriter.Write(parameters, "server_max_window_bits"u8, _options.ServerMaxWindowBits);
        }

        // Always offered, so the server may ask for a smaller window than ours (section 7.1.2.2).
        if (_options.ClientMaxWindowBits < PerMessageDeflateOptions.MaxWindowBits)
        {
            DeflateParameterWriter.Write(parameters, "client_max_window_bits"u8, _options.ClientMaxWindowBits);
        }
        else
        {
            DeflateParameterWriter.Write(parameters, "client_max_window_bits"u8);
        }
    }

    /// <inheritdoc/>
    public WebSocketExtension? Accept(ExtensionOffer response)
    {
        if (!DeflateParameters.TryParse(response, isResponse: true, out DeflateParameters answer))
        {
            return null;
        }

        // Section 7.1.1.1: a server that accepts server_no_context_takeover says so in its answer.
        if (_options.ServerNoContextTakeover && !answer.ServerNoContextTakeover)
        {
            return null;
        }

        // Section 7.1.2.1: a cap we asked for must come back, no larger.
        int serverBits = answer.ServerMaxWindowBits == 0 ? PerMessageDeflateOptions.MaxWindowBits : answer.ServerMaxWindowBits;
        if (_options.ServerMaxWindowBits < PerMessageDeflateOptions.MaxWindowBits
            && (answer.ServerMaxWindowBits == 0 || serverBits > _options.ServerMaxWindowBits))
        {
            return null;
        }

        // Section 7.1.2.2: the server may only lower our window.
        int clientBits = answer.ClientMaxWindowBits == 0 ? _options.ClientMaxWindowBits : answer.ClientMaxWindowBits;
        if (clientBits > _options.ClientMaxWindowBits)
        {
            return null;
        }

        bool clientNoContextTakeover = answer.ClientNoContextTakeover || _options.ClientNoContextTakeover;
        return new PerMessageDeflateExtension(WebSocketRole.Client, answer.ServerNoContextTakeover, clientNoContextTakeover, serverBits, clientBits, _options.CompressionThreshold);
    }
}
