using System.Collections.Generic;
using WebSocketProtocol.Framing;

namespace WebSocketProtocol.Connection;

/// <summary>One prepared frame or a list of them, so that sending one needs no list.</summary>
internal readonly struct PreparedFrames
{
    private readonly PreparedFrame? _one;
    private readonly IReadOnlyList<PreparedFrame>? _many;

    public PreparedFrames(PreparedFrame one)
    {
        _one = one;
        _many = null;
    }

    public PreparedFrames(IReadOnlyList<PreparedFrame> many)
    {
        _one = null;
        _many = many;
    }

    public int Count => _many?.Count ?? (_one is null ? 0 : 1);

    public PreparedFrame this[int index] => _many is not null ? _many[index] : _one!;
}
