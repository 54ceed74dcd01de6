using System;
using WebSocketProtocol.Handshake;

namespace WebSocketProtocol.Extensions;

/// <summary>Walks the parameters of an <see cref="ExtensionOffer"/>; the header was validated when the offer was made.</summary>
public ref struct ExtensionParameterEnumerator
{
    private ReadOnlySpan<byte> _rest;

    internal ExtensionParameterEnumerator(ReadOnlySpan<byte> parameters)
    {
        _rest = parameters;
        Current = default;
    }

    /// <summary>The current parameter.</summary>
    public ExtensionParameter Current { get; private set; }

    /// <summary>Returns this enumerator, for <c>foreach</c>.</summary>
    public readonly ExtensionParameterEnumerator GetEnumerator() => this;

    /// <summary>Moves to the next parameter.</summary>
    public bool MoveNext()
    {
        while (!_rest.IsEmpty)
        {
            int end = ExtensionHeaderParser.IndexOfUnquoted(_rest, (byte)';');
            ReadOnlySpan<byte> parameter = end < 0 ? _rest : _rest.Slice(0, end);
            _rest = end < 0 ? default : _rest.Slice(end + 1);
            parameter = HttpAscii.Trim(parameter);
            if (parameter.IsEmpty)
            {
                continue;
            }

            int equals = parameter.IndexOf((byte)'=');
            if (equals < 0)
            {
                Current = new ExtensionParameter(parameter, default, hasValue: false);
                return true;
            }

            ReadOnlySpan<byte> value = HttpAscii.Trim(parameter.Slice(equals + 1));
            if (value.Length >= 2 && value[0] == (byte)'"')
            {
                value = value.Slice(1, value.Length - 2);
            }

            Current = new ExtensionParameter(HttpAscii.Trim(parameter.Slice(0, equals)), value, hasValue: true);
            return true;
        }

        return false;
    }
}
