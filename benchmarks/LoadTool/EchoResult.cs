using System.Net.WebSockets;
using System;
using System.Collections.Generic;
using System.Globalization;

namespace WebSocketProtocol.LoadTool;

/// <summary>What one echo run measured over its window, and what it verified over the whole run.</summary>
public sealed record EchoResult
{
    /// <summary>The options the run used.</summary>
    public required EchoOptions Options { get; init; }

    /// <summary>The measured window's actual length.</summary>
    public TimeSpan Window { get; init; }

    /// <summary>Echoes completed inside the window.</summary>
    public long WindowMessages { get; init; }

    /// <summary>Echoes received and verified over the whole run (warmup and drain included).</summary>
    public long Verified { get; init; }

    /// <summary>Echoes whose bytes were compared too.</summary>
    public long ContentChecked { get; init; }

    /// <summary>Round trips completed in the window.</summary>
    public required LatencyHistogram Latency { get; init; }

    /// <summary>The server's user+system CPU time over the window, when its PID was given and readable.</summary>
    public TimeSpan? ServerCpu { get; init; }

    /// <summary>This process's CPU time over the window.</summary>
    public TimeSpan ClientCpu { get; init; }

    /// <summary>Every connection's error (at most one each), and any error of the run itself.</summary>
    public required IReadOnlyList<string> Errors { get; init; }

    /// <summary>Echoes per second in the window.</summary>
    public double MessagesPerSecond => Window > TimeSpan.Zero ? WindowMessages / Window.TotalSeconds : 0;

    /// <summary>Echoed payload, MiB per second (one direction).</summary>
    public double MebibytesPerSecond => MessagesPerSecond * Options.PayloadSize / (1024.0 * 1024.0);

    /// <summary>Server CPU microseconds per echoed message, or <see langword="null"/>.</summary>
    public double? ServerCpuMicrosecondsPerMessage => ServerCpu is TimeSpan cpu && WindowMessages > 0 ? cpu.TotalMicroseconds / WindowMessages : null;

    /// <summary>Server CPU milliseconds per echoed MiB, or <see langword="null"/>.</summary>
    public double? ServerCpuMillisecondsPerMebibyte =>
        ServerCpu is TimeSpan cpu && WindowMessages > 0 ? cpu.TotalMilliseconds / (WindowMessages * (double)Options.PayloadSize / (1024.0 * 1024.0)) : null;

    /// <summary>Whether the run echoed something and every echo verified.</summary>
    public bool Succeeded => Errors.Count == 0 && WindowMessages > 0;

    /// <summary>A readable summary, several lines.</summary>
    public string Describe()
    {
        EchoOptions o = Options;
        string type = o.MessageType == WebSocketMessageType.Text ? "text" : "binary";
        string server = ServerCpu is TimeSpan cpu
            ? string.Create(CultureInfo.InvariantCulture, $"server cpu {cpu.TotalSeconds:F2} s = {ServerCpuMicrosecondsPerMessage:F2} us/msg, {ServerCpuMillisecondsPerMebibyte:F2} ms/MiB")
            : "server cpu not measured (no --server-pid)";
        return string.Create(CultureInfo.InvariantCulture,
            $"echo {o.Url}: {o.Connections} connections x {o.InFlight} in flight, {o.PayloadSize} B {type}, window {Window.TotalSeconds:F2} s\n" +
            $"  {MessagesPerSecond:N0} msg/s, {MebibytesPerSecond:F1} MiB/s, rtt p50 {Latency.PercentileNanoseconds(50) / 1000:F0} us, p99 {Latency.PercentileNanoseconds(99) / 1000:F0} us\n" +
            $"  {server}; client cpu {ClientCpu.TotalSeconds:F2} s\n" +
            $"  verified {Verified:N0} echoes ({ContentChecked:N0} byte for byte), {Errors.Count} errors") +
            (Errors.Count == 0 ? string.Empty : "\n  first error: " + Errors[0]);
    }

    /// <summary>One line of key=value pairs for scripts: <c>RESULT msgs_per_s=... errors=...</c>.</summary>
    public string ResultLine() =>
        string.Create(CultureInfo.InvariantCulture,
            $"RESULT msgs_per_s={MessagesPerSecond:F0} mib_per_s={MebibytesPerSecond:F2} p50_us={Latency.PercentileNanoseconds(50) / 1000:F1} " +
            $"p99_us={Latency.PercentileNanoseconds(99) / 1000:F1} server_cpu_us_per_msg={ServerCpuMicrosecondsPerMessage?.ToString("F3", CultureInfo.InvariantCulture) ?? "na"} " +
            $"server_cpu_ms_per_mib={ServerCpuMillisecondsPerMebibyte?.ToString("F3", CultureInfo.InvariantCulture) ?? "na"} client_cpu_s={ClientCpu.TotalSeconds:F2} " +
            $"window_s={Window.TotalSeconds:F3} messages={WindowMessages} verified={Verified} content_checked={ContentChecked} errors={Errors.Count}");
}
