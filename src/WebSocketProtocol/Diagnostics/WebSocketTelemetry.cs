using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Reflection;

namespace WebSocketProtocol.Diagnostics;

/// <summary>
/// The names under which the library publishes what it does, all "WebSocketProtocol": a <see cref="Meter"/> for metrics
/// (dotnet-counters, OpenTelemetry), an <see cref="ActivitySource"/> for traces of opening handshakes, and an EventSource
/// for logs (dotnet-trace, an EventListener). Each costs a flag check per event while nobody listens.
/// </summary>
internal static class WebSocketTelemetry
{
    /// <summary>The name of the meter, the activity source and the event source.</summary>
    public const string Name = "WebSocketProtocol";

    /// <summary>The library's version, as the meter and the activity source report it.</summary>
    public static readonly string? Version = typeof(WebSocketTelemetry).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;

    /// <summary>The meter every instrument belongs to.</summary>
    public static readonly Meter Meter = new(Name, Version);

    /// <summary>The source of the handshake activities.</summary>
    public static readonly ActivitySource ActivitySource = new(Name, Version);

    /// <summary>The tag value of a role: <c>server</c> or <c>client</c>.</summary>
    public static string RoleName(WebSocketRole role) => role == WebSocketRole.Server ? "server" : "client";
}
