using System;

namespace WebSocketProtocol.Extensions;

/// <summary>One extension parameter: <c>name</c> or <c>name=value</c>, the value unquoted.</summary>
public readonly ref struct ExtensionParameter
{
    internal ExtensionParameter(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, bool hasValue)
    {
        Name = name;
        Value = value;
        HasValue = hasValue;
    }

    /// <summary>The parameter name.</summary>
    public ReadOnlySpan<byte> Name { get; }

    /// <summary>The value without quotes; empty when <see cref="HasValue"/> is false.</summary>
    public ReadOnlySpan<byte> Value { get; }

    /// <summary>Whether the parameter carried <c>=value</c>.</summary>
    public bool HasValue { get; }
}
