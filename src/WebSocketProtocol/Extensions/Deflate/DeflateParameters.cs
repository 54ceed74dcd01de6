using System;
using WebSocketProtocol.Handshake;

namespace WebSocketProtocol.Extensions.Deflate;

/// <summary>
/// The four parameters of permessage-deflate (RFC 7692 section 7.1) as one offer or response states them. A window size
/// of 0 means the parameter was absent; <see cref="ClientMaxWindowBitsOffered"/> records <c>client_max_window_bits</c>
/// sent without a value, which only an offer may do.
/// </summary>
internal readonly struct DeflateParameters
{
    public const int MinWindowBits = 8;
    public const int MaxWindowBits = 15;

    public DeflateParameters(bool serverNoContextTakeover, bool clientNoContextTakeover, int serverMaxWindowBits, int clientMaxWindowBits, bool clientMaxWindowBitsOffered)
    {
        ServerNoContextTakeover = serverNoContextTakeover;
        ClientNoContextTakeover = clientNoContextTakeover;
        ServerMaxWindowBits = serverMaxWindowBits;
        ClientMaxWindowBits = clientMaxWindowBits;
        ClientMaxWindowBitsOffered = clientMaxWindowBitsOffered;
    }

    public bool ServerNoContextTakeover { get; }

    public bool ClientNoContextTakeover { get; }

    /// <summary>8-15, or 0 when absent.</summary>
    public int ServerMaxWindowBits { get; }

    /// <summary>8-15, or 0 when absent or given without a value.</summary>
    public int ClientMaxWindowBits { get; }

    /// <summary>Whether <c>client_max_window_bits</c> appeared at all, with or without a value.</summary>
    public bool ClientMaxWindowBitsOffered { get; }

    /// <summary>
    /// Reads the parameters of one offer (<paramref name="isResponse"/> false) or response. Returns <see langword="false"/>
    /// for an unknown parameter, a repeated one, a value where none belongs, a missing or out-of-range window size
    /// (section 7.1: the server declines such an offer; the client fails the connection on such a response).
    /// </summary>
    public static bool TryParse(ExtensionOffer element, bool isResponse, out DeflateParameters parameters)
    {
        parameters = default;
        bool serverNoContext = false, clientNoContext = false, clientBitsSeen = false;
        int serverBits = 0, clientBits = 0;
        foreach (ExtensionParameter parameter in element.Parameters)
        {
            if (HttpAscii.EqualsIgnoreCase(parameter.Name, "server_no_context_takeover"u8))
            {
                if (serverNoContext || parameter.HasValue)
                {
                    return false;
                }

                serverNoContext = true;
            }
            else if (HttpAscii.EqualsIgnoreCase(parameter.Name, "client_no_context_takeover"u8))
            {
                if (clientNoContext || parameter.HasValue)
                {
                    return false;
                }

                clientNoContext = true;
            }
            else if (HttpAscii.EqualsIgnoreCase(parameter.Name, "server_max_window_bits"u8))
            {
                // Section 7.1.2.1: always with a value, 8 to 15.
                if (serverBits != 0 || !TryParseWindowBits(parameter, out serverBits))
                {
                    return false;
                }
            }
            else if (HttpAscii.EqualsIgnoreCase(parameter.Name, "client_max_window_bits"u8))
            {
                // Section 7.1.2.2: an offer may leave the value out; a response must give one.
                if (clientBitsSeen)
                {
                    return false;
                }

                clientBitsSeen = true;
                if (parameter.HasValue || isResponse)
                {
                    if (!TryParseWindowBits(parameter, out clientBits))
                    {
                        return false;
                    }
                }
            }
            else
            {
                return false;
            }
        }

        parameters = new DeflateParameters(serverNoContext, clientNoContext, serverBits, clientBits, clientBitsSeen);
        return true;
    }

    /// <summary>A window size: 1*DIGIT in 8..15 (section 7.1.2.1), with no leading zero, sign or white space.</summary>
    private static bool TryParseWindowBits(ExtensionParameter parameter, out int bits)
    {
        bits = 0;
        ReadOnlySpan<byte> value = parameter.Value;
        if (!parameter.HasValue || value.IsEmpty || value.Length > 2 || value[0] == (byte)'0')
        {
            return false;
        }

        foreach (byte b in value)
        {
            if (b < (byte)'0' || b > (byte)'9')
            {
                return false;
            }

            bits = (bits * 10) + (b - '0');
        }

        return bits is >= MinWindowBits and <= MaxWindowBits;
    }
}
