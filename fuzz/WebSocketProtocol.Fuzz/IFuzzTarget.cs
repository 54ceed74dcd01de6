using System;

namespace WebSocketProtocol.Fuzz;

/// <summary>
/// One thing the fuzzer drives: it runs an input through a part of the library and checks what came out. Rejections the
/// library is meant to make (a typed protocol or handshake error) are caught inside; anything else that escapes
/// <see cref="Run"/> is a finding.
/// </summary>
internal interface IFuzzTarget
{
    /// <summary>The name <c>fuzz/run.sh</c> and the corpus folder use.</summary>
    string Name { get; }

    /// <summary>Runs one input; throws <see cref="FuzzFindingException"/> when an oracle disagrees.</summary>
    void Run(ReadOnlySpan<byte> input);
}
