using System;
using System.CommandLine;
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
using WebSocketProtocol.Samples;

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
    /// <summary>
    /// The server's command line, <c>--port N</c> and <c>--sample-transport</c>, described by <paramref name="description"/>;
    /// a server adds its own options to it.
    /// </summary>
    public static RootCommand CreateCommand(string description) => new(description)
    {
        CommandLineParsing.Option("--port", "N", "the loopback port to listen on; 0 picks a free one", "a port number",
            (string text, out int value) => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value), () => 0),
        CommandLineParsing.Flag("--sample-transport", "Kestrel's transport with the chat sample's settings (its pool of 32 KiB blocks, room for 256 KiB of output)"),
    };

    /// <summary>Parses <paramref name="args"/> with <see cref="CreateCommand"/> and runs the server, or prints the help or the errors.</summary>
    public static async Task<int> RunAsync(string[] args, string description, Action<ListenOptions>? listen = null, Action<WebApplication>? app = null)
    {
        RootCommand command = CreateCommand(description);
        return CommandLineParsing.Parse(command, args, out int exitCode) is { } parsed
            ? await RunAsync(parsed, listen, app).ConfigureAwait(false)
            : exitCode;
    }

    /// <summary>Runs the server a command line of <see cref="CreateCommand"/> describes; <paramref name="listen"/> configures the endpoint, <paramref name="app"/> the middleware.</summary>
    public static async Task<int> RunAsync(ParseResult arguments, Action<ListenOptions>? listen = null, Action<WebApplication>? app = null)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        int port = arguments.GetValue<int>("--port");
        bool sampleTransport = arguments.GetValue<bool>("--sample-transport");
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
