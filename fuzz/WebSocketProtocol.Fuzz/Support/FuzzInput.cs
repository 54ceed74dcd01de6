using System;

namespace WebSocketProtocol.Fuzz.Support;

/// <summary>
/// Reads a target's settings off the front of an input, a byte at a time, leaving the rest as the data. An input too short
/// for its settings reads zeros, so every input is usable and the seeds stay short.
/// </summary>
internal ref struct FuzzInput
{
    private ReadOnlySpan<byte> _rest;

    public FuzzInput(ReadOnlySpan<byte> input) => _rest = input;

    /// <summary>The bytes not taken as settings.</summary>
    public readonly ReadOnlySpan<byte> Rest => _rest;

    public byte TakeByte()
    {
        if (_rest.IsEmpty)
        {
            return 0;
        }

        byte value = _rest[0];
        _rest = _rest.Slice(1);
        return value;
    }
}
