using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Xunit.Abstractions;

namespace WebSocketProtocol.Tests.Samples.RedisDelivery;

/// <summary>
/// A room under steady traffic for the delivery tests: some members send (each a message every
/// <see cref="Interval"/> while fewer than <see cref="Window"/> of its own are unsettled, as a client that waits for
/// answers would), every member listens. Once stopped, it waits for every message to be settled and for a last line from
/// each sender to reach everyone (the room's order is one order, so then every earlier line has come too), and counts.
/// </summary>
internal sealed class ChatTraffic : IAsyncDisposable
{
    /// <summary>Generous bounds: a settled room on a loaded machine, not a timing claim.</summary>
    private static readonly TimeSpan SettleBound = TimeSpan.FromSeconds(120);

    private readonly List<ChatParticipant> _senders;
    private readonly List<ChatParticipant> _members;
    private readonly CancellationTokenSource _stopping = new();
    private Task _sending = Task.CompletedTask;

    public ChatTraffic(IEnumerable<ChatParticipant> senders, IEnumerable<ChatParticipant> listeners)
    {
        _senders = senders.ToList();
        _members = _senders.Concat(listeners).ToList();
    }

    public TimeSpan Interval { get; init; } = TimeSpan.FromMilliseconds(100);

    public int Window { get; init; } = 16;

    public IReadOnlyList<ChatParticipant> Members => _members;

    public void Start() => _sending = Task.WhenAll(_senders.Select(SendAsync));

    /// <summary>Stops sending, waits (bounded) until every message is settled and each sender's last line reached everyone, and counts.</summary>
    public async Task<DeliveryReport> StopAndCountAsync(ITestOutputHelper output)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _sending.ConfigureAwait(false);
        bool settled = await UntilAsync(() => _senders.All(s => s.Unsettled == 0)).ConfigureAwait(false);
        var lastLines = new List<string>();
        foreach (ChatParticipant sender in _senders)
        {
            lastLines.Add(sender.LineOf(await sender.SendNextAsync("-last").ConfigureAwait(false)));
        }

        bool lastArrived = await UntilAsync(() => _members.All(m => lastLines.All(m.Received.Contains))).ConfigureAwait(false);
        var report = DeliveryReport.Count(_senders, _members, settled, lastArrived);
        report.WriteTo(output);
        return report;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _sending.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        foreach (ChatParticipant member in _members)
        {
            await member.DisposeAsync().ConfigureAwait(false);
        }

        _stopping.Dispose();
    }

    /// <summary>Polls <paramref name="condition"/> until it holds or <see cref="SettleBound"/> passes; returns whether it held.</summary>
    public static async Task<bool> UntilAsync(Func<bool> condition, TimeSpan? bound = null)
    {
        DateTime deadline = DateTime.UtcNow + (bound ?? SettleBound);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(100).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>Polls an asynchronous <paramref name="condition"/> (a Redis command, say) as <see cref="UntilAsync(Func{bool}, TimeSpan?)"/> does.</summary>
    public static async Task<bool> UntilAsync(Func<Task<bool>> condition, TimeSpan? bound = null)
    {
        DateTime deadline = DateTime.UtcNow + (bound ?? SettleBound);
        while (!await condition().ConfigureAwait(false))
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(200).ConfigureAwait(false);
        }

        return true;
    }

    private async Task SendAsync(ChatParticipant sender)
    {
        while (!_stopping.IsCancellationRequested)
        {
            if (sender.Unsettled < Window)
            {
                await sender.SendNextAsync().ConfigureAwait(false);
            }

            try
            {
                await Task.Delay(Interval, _stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
