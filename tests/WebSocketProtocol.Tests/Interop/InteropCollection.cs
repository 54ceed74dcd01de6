using Xunit;

namespace WebSocketProtocol.Tests.Interop;

/// <summary>
/// The interop tests run alone, after the parallel part of the suite: their sockets, stream pipes, Kestrel and Node
/// processes rent 4 KiB blocks from <c>ArrayPool&lt;byte&gt;.Shared</c> on many threads, and running beside
/// <c>FramingAllocationTests</c> they could drain the shared per-core stacks it counts on, making it allocate a block.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class InteropCollection
{
    public const string Name = "Interop over loopback sockets";
}
