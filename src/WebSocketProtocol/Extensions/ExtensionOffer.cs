using System;

namespace WebSocketProtocol.Extensions;

/// <summary>One element of a Sec-WebSocket-Extensions header: a name and its parameters (RFC 6455 section 9.1), viewed in place.</summary>
public readonly ref struct ExtensionOffer
{
    private readonly ReadOnlySpan<byte> _parameters;

    internal ExtensionOffer(ReadOnlySpan<byte> name, ReadOnlySpan<byte> parameters)
    {
        Name = name;
        _parameters = parameters;
    }

    /// <summary>The extension name.</summary>
    public ReadOnlySpan<byte> Name { get; }

    /// <summary>The parameters in order; each value is unquoted, and a parameter without a value has an empty one.</summary>
    public ExtensionParameterEnumerator Parameters => new(_parameters);
}
