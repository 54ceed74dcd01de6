using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace WebSocketProtocol.LoadTool;

/// <summary>The soak's running counts, shared by its workers (updated with <see cref="System.Threading.Interlocked"/>).</summary>
public sealed class SoakCounters
{
    private readonly ConcurrentQueue<string> _errors = new();
#pragma warning disable CA1051 // Fields, so the workers can update them with Interlocked.
    public long EchoSessions;
    public long EchoSent;
    public long EchoVerified;
    public long EchoCorrupted;
    public long CleanCloses;
    public long AbruptDrops;
    public long MidFrameDrops;
    public long ChurnSessions;
    public long ChatDelivered;
    public long ChatMissing;
    public long ChatDuplicated;
    public long ChatCorrupted;
#pragma warning restore CA1051

    /// <summary>Every error seen; the run fails when there is any.</summary>
    public IReadOnlyCollection<string> Errors => _errors;

    /// <summary>Records an error.</summary>
    public void Error(string error) => _errors.Enqueue(error);
}

/// <summary>What a soak run found.</summary>
public sealed class SoakResult
{
    /// <summary>Descriptors the server may hold beyond its count before the run once everything has left (listeners, timers).</summary>
    public const int DescriptorSlack = 4;

    internal SoakResult(SoakCounters counters, TimeSpan elapsed, int? baselineDescriptors, int? endDescriptors, IReadOnlyList<long> memory)
    {
        Counters = counters;
        Elapsed = elapsed;
        BaselineDescriptors = baselineDescriptors;
        EndDescriptors = endDescriptors;
        Memory = memory;
    }

    /// <summary>The counts.</summary>
    public SoakCounters Counters { get; }

    /// <summary>The whole run, final checks included.</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>The server's open descriptors before the run.</summary>
    public int? BaselineDescriptors { get; }

    /// <summary>The server's open descriptors after everything left.</summary>
    public int? EndDescriptors { get; }

    /// <summary>The server's resident set, sampled twice a second while the load ran.</summary>
    public IReadOnlyList<long> Memory { get; }

    /// <summary>The median resident set over the second quarter of the run (warmed up) and over the last quarter.</summary>
    public (long Early, long Late)? MemoryTrend
    {
        get
        {
            if (Memory.Count < 8)
            {
                return null;
            }

            int quarter = Memory.Count / 4;
            return (Median(Memory.Skip(quarter).Take(quarter)), Median(Memory.Skip(Memory.Count - quarter)));
        }
    }

    /// <summary>The median resident set over each quarter of the run, first to last, to show where growth stops.</summary>
    public IReadOnlyList<long>? MemoryQuarters
    {
        get
        {
            if (Memory.Count < 8)
            {
                return null;
            }

            int quarter = Memory.Count / 4;
            return [Median(Memory.Take(quarter)), Median(Memory.Skip(quarter).Take(quarter)), Median(Memory.Skip(2 * quarter).Take(quarter)), Median(Memory.Skip(Memory.Count - quarter))];
        }
    }

    /// <summary>Whether memory stayed flat: the late median at most a quarter (and 16 MiB) above the early one.</summary>
    public bool MemoryFlat => MemoryTrend is not { } trend || trend.Late <= (trend.Early * 5 / 4) + (16L << 20);

    /// <summary>Whether the descriptors came back to within <see cref="DescriptorSlack"/> of where they were.</summary>
    public bool DescriptorsFlat => BaselineDescriptors is not int before || EndDescriptors is not int after || after <= before + DescriptorSlack;

    /// <summary>Nothing lost, duplicated or corrupted, no error, and memory and descriptors flat.</summary>
    public bool Succeeded =>
        Counters.Errors.Count == 0 && Counters.EchoCorrupted == 0 && Counters.EchoVerified == Counters.EchoSent
        && Counters.ChatMissing == 0 && Counters.ChatDuplicated == 0 && Counters.ChatCorrupted == 0
        && Counters.EchoSent > 0 && Counters.ChatDelivered > 0 && MemoryFlat && DescriptorsFlat;

    /// <summary>A readable summary, errors first.</summary>
    public string Describe()
    {
        SoakCounters c = Counters;
        string memory = MemoryTrend is { } trend
            ? $"server RSS {trend.Early >> 20} MiB early, {trend.Late >> 20} MiB late (medians by quarter {QuartersInMiB("/")} MiB)"
            : "server RSS not read";
        return string.Join('\n', c.Errors.Take(20).Select(e => "  error: " + e).Append(string.Create(CultureInfo.InvariantCulture,
            $"  {Elapsed.TotalSeconds:F1} s: echo {c.EchoSent} sent, {c.EchoVerified} verified, {c.EchoCorrupted} corrupted in {c.EchoSessions} connections; " +
            $"chat {c.ChatDelivered} delivered, {c.ChatMissing} missing, {c.ChatDuplicated} duplicated, {c.ChatCorrupted} corrupted, {c.ChurnSessions} churn sessions; " +
            $"endings {c.CleanCloses} clean, {c.AbruptDrops} dropped, {c.MidFrameDrops} mid-frame; " +
            $"{memory}; descriptors {BaselineDescriptors?.ToString(CultureInfo.InvariantCulture) ?? "?"} before, {EndDescriptors?.ToString(CultureInfo.InvariantCulture) ?? "?"} after")));
    }

    /// <summary>The machine-readable line.</summary>
    public string ResultLine()
    {
        SoakCounters c = Counters;
        return string.Create(CultureInfo.InvariantCulture,
            $"RESULT seconds={Elapsed.TotalSeconds:F1} echo_sent={c.EchoSent} echo_verified={c.EchoVerified} echo_corrupted={c.EchoCorrupted} echo_connections={c.EchoSessions} " +
            $"chat_delivered={c.ChatDelivered} chat_missing={c.ChatMissing} chat_duplicated={c.ChatDuplicated} chat_corrupted={c.ChatCorrupted} churn_sessions={c.ChurnSessions} " +
            $"clean_closes={c.CleanCloses} abrupt_drops={c.AbruptDrops} mid_frame_drops={c.MidFrameDrops} " +
            $"rss_early_mib={(MemoryTrend?.Early >> 20)?.ToString(CultureInfo.InvariantCulture) ?? "na"} rss_late_mib={(MemoryTrend?.Late >> 20)?.ToString(CultureInfo.InvariantCulture) ?? "na"} rss_quarters_mib={QuartersInMiB(",")} " +
            $"fds_before={BaselineDescriptors?.ToString(CultureInfo.InvariantCulture) ?? "na"} fds_after={EndDescriptors?.ToString(CultureInfo.InvariantCulture) ?? "na"} errors={c.Errors.Count}");
    }

    private string QuartersInMiB(string separator) =>
        MemoryQuarters is { } quarters ? string.Join(separator, quarters.Select(bytes => (bytes >> 20).ToString(CultureInfo.InvariantCulture))) : "na";

    private static long Median(IEnumerable<long> values)
    {
        long[] sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
