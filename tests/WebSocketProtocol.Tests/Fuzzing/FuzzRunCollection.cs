using Xunit;

namespace WebSocketProtocol.Tests.Fuzzing;

/// <summary>
/// The fuzz runs go alone, one target after another: each keeps a core busy for a minute, which beside the rest of the
/// suite would only slow both and make the figures they report meaningless.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FuzzRunCollection : ICollectionFixture<FuzzBuild>
{
    public const string Name = "Fuzz runs under AFL++";
}
