using Xunit;

namespace WebSocketProtocol.Tests.Support;

/// <summary>
/// Tests that must not share the process with others while they run: allocation counts that depend on a process-wide
/// pool (another test's connections could empty it and make this one allocate), and listeners that hear every
/// connection in the process. xunit runs this collection on its own, after the parallel ones.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RunsAloneCollection
{
    public const string Name = "Runs alone";
}
