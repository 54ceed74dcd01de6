using System.Threading.Tasks;
using Xunit;

namespace WebSocketProtocol.Tests.Hardening;

/// <summary>
/// One <see cref="HardenedServer"/> shared by the tests of a class (each test still asserts the server is unharmed after
/// its attack), started with the class's own command line so that a process start is paid once per class.
/// </summary>
public abstract class HardenedServerFixture : IAsyncLifetime
{
    private readonly string[] _arguments;
    private HardenedServer? _server;

    protected HardenedServerFixture(params string[] arguments) => _arguments = arguments;

    internal HardenedServer Server => _server ?? throw new System.InvalidOperationException("The fixture has not started its server.");

    public async Task InitializeAsync() => _server = await HardenedServer.StartAsync(_arguments);

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
