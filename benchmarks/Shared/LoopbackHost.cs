using System;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace WebSocketProtocol.Benchmarks;

/// <summary>
/// Hosting shared by the reference servers the load tool compares (linked into each): Kestrel on 127.0.0.1 at the port
/// given by <c>--port N</c> (0, the default, picks a free one), no logging, <c>Listening on http://127.0.0.1:PORT</c>
/// printed once it accepts connections, running until Ctrl+C or SIGTERM. With <c>--sample-transport</c>, Kestrel's transport
/// gets the chat sample's settings (<c>samples/ChatServer/KestrelTransportSettings.cs</c>: its pool of 32 KiB blocks in
/// place of Kestrel's 4 KiB ones, and room for 256 KiB of output), so a server can be compared on the same transport as
/// the sample.
/// </summary>
internal static class LoopbackHost
{
    /// <summary>Runs the server; <paramref name="listen"/> configures the endpoint, <paramref name="app"/> the middleware.</summary>
    public static async Task<int> RunAsync(string[] args, string name, Action<ListenOptions>? listen = null, Action<WebApplication>? app = null)
    {
        bool sampleTransport = args.Length > 0 && args[0] == "--sample-transport";
        if (sampleTransport)
        {
            args = args[1..];
        }

        if (args.Length != 0 && !(args.Length == 2 && args[0] == "--port" && int.TryParse(args[1], NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            await Console.Error.WriteLineAsync($"Usage: {name} [--sample-transport] [--port N]   (loopback only; 0 picks a free port)").ConfigureAwait(false);
            return 2;
        }

        int port = args.Length == 2 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 0;
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (sampleTransport)
        {
            ChatServer.KestrelTransportSettings.Apply(builder.Services);
        }

        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port, options => listen?.Invoke(options)));
        WebApplication application = builder.Build();
        app?.Invoke(application);
        await application.StartAsync().ConfigureAwait(false);
        int actual = application.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .Select(address => new Uri(address).Port).First();
        Console.WriteLine($"Listening on http://127.0.0.1:{actual.ToString(CultureInfo.InvariantCulture)}");
        await application.WaitForShutdownAsync().ConfigureAwait(false);
        return 0;
    }
}
