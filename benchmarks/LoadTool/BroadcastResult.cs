using System;
using System.Collections.Generic;
using System.Globalization;

namespace WebSocketProtocol.LoadTool;

/// <summary>What one broadcast run measured, from the first chat message sent to the last member's last message.</summary>
public sealed record BroadcastResult
{
    /// <summary>The options the run used.</summary>
    public required BroadcastOptions Options { get; init; }

    /// <summary>Members that joined.</summary>
    public int Joined { get; init; }

    /// <summary>From the first send to the moment the last member had the last message.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>From the last message's send to the moment the last member had it.</summary>
    public TimeSpan LastDelivery { get; init; }

    /// <summary>Messages received in order, summed over the members.</summary>
    public long Delivered { get; init; }

    /// <summary>Messages that arrived after a later one, summed over the members.</summary>
    public long OutOfOrder { get; init; }

    /// <summary>Sequence numbers skipped, summed over the members.</summary>
    public long Missing { get; init; }

    /// <summary>The server's user+system CPU time from the first send to the last delivery, when its PID was given.</summary>
    public TimeSpan? ServerCpu { get; init; }

    /// <summary>Every member's error (at most one each), and any error of the run itself.</summary>
    public required IReadOnlyList<string> Errors { get; init; }

    /// <summary>Deliveries expected: members times messages.</summary>
    public long Expected => (long)Options.Members * Options.Messages;

    /// <summary>Deliveries a second over <see cref="Elapsed"/>.</summary>
    public double DeliveriesPerSecond => Elapsed > TimeSpan.Zero ? Delivered / Elapsed.TotalSeconds : 0;

    /// <summary>Server CPU microseconds per delivery, or <see langword="null"/>.</summary>
    public double? ServerCpuMicrosecondsPerDelivery => ServerCpu is TimeSpan cpu && Delivered > 0 ? cpu.TotalMicroseconds / Delivered : null;

    /// <summary>Whether every member got every message, in order, with no error.</summary>
    public bool Succeeded => Errors.Count == 0 && OutOfOrder == 0 && Missing == 0 && Joined == Options.Members && Delivered == Expected;

    /// <summary>A readable summary, a few lines.</summary>
    public string Describe()
    {
        BroadcastOptions o = Options;
        string server = ServerCpu is TimeSpan cpu
            ? string.Create(CultureInfo.InvariantCulture, $"server cpu {cpu.TotalSeconds:F2} s = {ServerCpuMicrosecondsPerDelivery:F3} us/delivery")
            : "server cpu not measured (no --server-pid)";
        return string.Create(CultureInfo.InvariantCulture,
            $"broadcast {o.Url}{(o.MoreUrls.Count == 0 ? string.Empty : " and " + string.Join(", ", o.MoreUrls))}: {Joined}/{o.Members} members, {o.Messages} messages of {o.Size} characters, window {o.Window}\n" +
            $"  {DeliveriesPerSecond:N0} deliveries/s over {Elapsed.TotalSeconds:F3} s; last message reached the last member {LastDelivery.TotalMilliseconds:F1} ms after it was sent\n" +
            $"  {server}\n" +
            $"  delivered {Delivered:N0} of {Expected:N0} in order, {OutOfOrder} out of order, {Missing} missing, {Errors.Count} errors") +
            (Errors.Count == 0 ? string.Empty : "\n  first error: " + Errors[0]);
    }

    /// <summary>One line of key=value pairs for scripts: <c>RESULT deliveries_per_s=... errors=...</c>.</summary>
    public string ResultLine() =>
        string.Create(CultureInfo.InvariantCulture,
            $"RESULT deliveries_per_s={DeliveriesPerSecond:F0} elapsed_s={Elapsed.TotalSeconds:F3} last_delivery_ms={LastDelivery.TotalMilliseconds:F2} " +
            $"server_cpu_us_per_delivery={ServerCpuMicrosecondsPerDelivery?.ToString("F3", CultureInfo.InvariantCulture) ?? "na"} " +
            $"members={Joined} messages={Options.Messages} delivered={Delivered} expected={Expected} out_of_order={OutOfOrder} missing={Missing} errors={Errors.Count}");
}
