using System;
using System.Collections.Generic;
using WebSocketProtocol.Fuzz.Targets;

namespace WebSocketProtocol.Fuzz;

/// <summary>Every target, by the name the command line and <c>fuzz/corpus/NAME</c> use.</summary>
internal static class FuzzTargets
{
    public static IReadOnlyList<IFuzzTarget> All { get; } = new IFuzzTarget[]
    {
        new FrameReaderTarget(),
        new HandshakeServerTarget(),
        new HandshakeClientTarget(),
        new Utf8Target(),
        new InflaterTarget(),
        new ConnectionTarget(),
        new ProtocolTarget(),
    };

    public static IFuzzTarget? Find(string name)
    {
        foreach (IFuzzTarget target in All)
        {
            if (string.Equals(target.Name, name, StringComparison.Ordinal))
            {
                return target;
            }
        }

        return null;
    }
}
