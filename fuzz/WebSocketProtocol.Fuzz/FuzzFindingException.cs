using System;

namespace WebSocketProtocol.Fuzz;

/// <summary>A check of a fuzz target failed: the library disagreed with a reference, hung, or allocated without bound.</summary>
internal sealed class FuzzFindingException : Exception
{
    public FuzzFindingException(string message)
        : base(message)
    {
    }
}
