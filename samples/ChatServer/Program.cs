using System;
using System.Linq;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Tasks;
using ChatServer;
using ChatServer.Chat;
using ChatServer.Chat.Redis;
using ChatServer.Connections;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

ServerArguments? arguments = ServerArguments.Parse(args, out int usageExit);
if (arguments is null)
{
    return usageExit;
}

// With --cert, TLS is Kestrel's (its connection middleware decrypts), and the library sees the plain bytes as before.
X509Certificate2? certificate = null;
if (arguments.CertificatePath is not null)
{
    try
    {
        certificate = X509CertificateLoader.LoadPkcs12FromFile(arguments.CertificatePath, arguments.CertificatePassword);
    }
    catch (Exception exception) when (exception is System.Security.Cryptography.CryptographicException or System.IO.IOException or UnauthorizedAccessException)
    {
        Console.Error.Write($"Cannot load the certificate {arguments.CertificatePath}: {exception.Message}\n");
        return 2;
    }
}

WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.Services.AddSingleton(arguments);
// With --redis the rooms are shared with every server on that Redis; without it they live in this process alone.
const int HistoryLimit = 100;
RedisChatNode? redisNode = arguments.Redis is null ? null : await RedisChatNode.ConnectAsync(arguments.Redis, HistoryLimit, arguments.MaxKeptHistory);
Func<string, IChatRoom> createRoom = redisNode is null ? name => new ChatRoom(name, HistoryLimit) : redisNode.CreateRoom;
builder.Services.AddSingleton(new RoomRegistry(createRoom, arguments.MaxRooms, arguments.MaxKeptHistory));
builder.Services.AddSingleton(new AddressRateLimits(arguments.JoinsPerSecond, arguments.AddressMessagesPerSecond));
builder.Services.AddSingleton(new HostPolicy(arguments.Host, arguments.AllowedHosts));
builder.Services.AddSingleton<ChatEndpoint>();

// Every connection holds a file descriptor: the soft limit goes up to the hard one, and the connections held at once stay
// below it, with room to spare for everything else the process opens (ConnectionCap, CappedSocketListener).
long? descriptorLimit = DescriptorLimit.RaiseToHardLimit();
int connectionCap = arguments.MaxConnections ?? ConnectionCap.DefaultFor(descriptorLimit);
string limitText = descriptorLimit?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown";
Console.WriteLine($"Connections: at most {connectionCap} at once (descriptor limit {limitText})");
if (descriptorLimit is long known && connectionCap > known - ConnectionCap.MinimumHeadroom)
{
    Console.WriteLine($"Warning: --max-connections {connectionCap} leaves under {ConnectionCap.MinimumHeadroom} of the {known} descriptors for anything else; accepts may fail and back off");
}

builder.Services.AddSingleton(new ConnectionCap(connectionCap, Console.WriteLine));

// Ctrl+C closes every connection with 1001; give the closing handshakes a moment before the process exits.
builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(10));
KestrelTransportSettings.Apply(builder.Services);

// Registered after Kestrel's own socket transport, so Kestrel binds with this one (the last registered wins).
builder.Services.AddSingleton<IConnectionListenerFactory, CappedSocketTransportFactory>();
builder.WebHost.ConfigureKestrel(kestrel =>
{
    void Configure(Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions listen)
    {
        if (certificate is not null)
        {
            listen.UseHttps(certificate);
        }

        listen.UseConnectionHandler<WebSocketConnectionHandler>();
    }

    if (arguments.Host == "localhost" && arguments.Port == 0)
    {
        // Kestrel picks a free port only on one address: IPv4 loopback, which localhost reaches.
        kestrel.Listen(IPAddress.Loopback, 0, Configure);
    }
    else if (arguments.Host == "localhost")
    {
        kestrel.ListenLocalhost(arguments.Port, Configure);
    }
    else
    {
        kestrel.Listen(IPAddress.Parse(arguments.Host), arguments.Port, Configure);
    }
});

builder.Services.AddSingleton<ChatMetrics>();
WebApplication app = builder.Build();

// The observable gauges are created with the metrics object: make it now, not when something first asks for it.
app.Services.GetRequiredService<ChatMetrics>();
await app.StartAsync();
int port = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
    .Select(address => new Uri(address.Replace("*", "localhost", StringComparison.Ordinal)).Port).First();
// An IPv6 address goes in brackets in a URL (RFC 3986 section 3.2.2).
string shownHost = arguments.Host.Contains(':', StringComparison.Ordinal) ? $"[{arguments.Host}]" : arguments.Host;
Console.WriteLine($"Listening on {(certificate is null ? "http" : "https")}://{shownHost}:{port}");
await app.WaitForShutdownAsync();
if (redisNode is not null)
{
    // After the connections have closed (and their members left the rooms in Redis).
    await redisNode.DisposeAsync();
}

return 0;
