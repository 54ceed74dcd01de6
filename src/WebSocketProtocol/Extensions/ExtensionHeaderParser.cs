using System;
using WebSocketProtocol.Handshake;

namespace WebSocketProtocol.Extensions;

/// <summary>
/// Splits a Sec-WebSocket-Extensions value into offers and checks its grammar (RFC 6455 section 9.1) in one linear pass:
/// <c>extension = token *( ";" token [ "=" ( token / quoted-string ) ] )</c>, elements separated by commas.
/// A quoted value must unquote to a token, so it holds no escapes, commas or semicolons worth keeping.
/// </summary>
internal ref struct ExtensionHeaderParser
{
    private ReadOnlySpan<byte> _rest;

    public ExtensionHeaderParser(ReadOnlySpan<byte> value)
    {
        _rest = value;
        Current = default;
        IsValid = true;
    }

    public ExtensionOffer Current { get; private set; }

    /// <summary>False once a malformed element was met; enumeration stops there.</summary>
    public bool IsValid { get; private set; }

    public bool MoveNext()
    {
        while (!_rest.IsEmpty && IsValid)
        {
            int end = IndexOfUnquoted(_rest, (byte)',');
            ReadOnlySpan<byte> element = end < 0 ? _rest : _rest.Slice(0, end);
            _rest = end < 0 ? default : _rest.Slice(end + 1);
            element = HttpAscii.Trim(element);
            if (element.IsEmpty)
            {
                continue;
            }

            int semicolon = element.IndexOf((byte)';');
            ReadOnlySpan<byte> name = HttpAscii.Trim(semicolon < 0 ? element : element.Slice(0, semicolon));
            ReadOnlySpan<byte> parameters = semicolon < 0 ? default : element.Slice(semicolon + 1);
            if (!HttpAscii.IsToken(name) || !AreValidParameters(parameters))
            {
                IsValid = false;
                return false;
            }

            Current = new ExtensionOffer(name, parameters);
            return true;
        }

        return false;
    }

    /// <summary>Checks every whole header value; cost linear in its length.</summary>
    public static bool IsValidHeader(ReadOnlySpan<byte> value)
    {
        var parser = new ExtensionHeaderParser(value);
        while (parser.MoveNext())
        {
        }

        return parser.IsValid;
    }

    /// <summary>The index of <paramref name="separator"/> outside double quotes, or -1.</summary>
    public static int IndexOfUnquoted(ReadOnlySpan<byte> value, byte separator)
    {
        bool quoted = false;
        for (int i = 0; i < value.Length; i++)
        {
            byte b = value[i];
            if (b == (byte)'"')
            {
                quoted = !quoted;
            }
            else if (b == separator && !quoted)
            {
                return i;
            }
        }

        return -1;
    }

    private static bool AreValidParameters(ReadOnlySpan<byte> parameters)
    {
        while (!parameters.IsEmpty)
        {
            int end = IndexOfUnquoted(parameters, (byte)';');
            ReadOnlySpan<byte> parameter = HttpAscii.Trim(end < 0 ? parameters : parameters.Slice(0, end));
            parameters = end < 0 ? default : parameters.Slice(end + 1);
            int equals = parameter.IndexOf((byte)'=');
            ReadOnlySpan<byte> name = HttpAscii.Trim(equals < 0 ? parameter : parameter.Slice(0, equals));
            if (!HttpAscii.IsToken(name))
            {
                return false;
            }

            if (equals >= 0)
            {
                ReadOnlySpan<byte> value = HttpAscii.Trim(parameter.Slice(equals + 1));
                if (value.Length >= 2 && value[0] == (byte)'"' && value[value.Length - 1] == (byte)'"')
                {
                    value = value.Slice(1, value.Length - 2);
                }

                if (!HttpAscii.IsToken(value))
                {
                    return false;
                }
            }
        }

        return true;
    }
}
