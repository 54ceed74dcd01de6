using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace WebSocketProtocol.Tests.Interop;

/// <summary>The life of an ASP.NET Core app on Kestrel bound to a free port on 127.0.0.1, shared by the Kestrel test peers.</summary>
internal static class LoopbackKestrel
{
    /// <summary>A quiet app that will listen on <c>http://127.0.0.1:0</c>; map its endpoints, then <see cref="StartAsync"/>.</summary>
    public static WebApplication CreateApp()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        return builder.Build();
    }

    /// <summary>Starts <paramref name="app"/> and returns the port it bound; an app that fails to start is disposed.</summary>
    public static async Task<int> StartAsync(WebApplication app, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        try
        {
            await app.StartAsync(cancellationToken).WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            string address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
            return new Uri(address).Port;
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Stops <paramref name="app"/> (at most 10 s for open connections) and disposes it.</summary>
    public static async ValueTask StopAsync(WebApplication app)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await app.StopAsync(timeout.Token).ConfigureAwait(false);
        }
        finally
        {
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }
}
