using System;
using System.Buffers;
using System.Buffers.Text;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Framing;

namespace WebSocketProtocol.LoadTool;

/// <summary>
/// The broadcast scenario: <see cref="BroadcastOptions.Members"/> members join one chat room (handshakes by
/// <see cref="RawHandshake"/>, at most 32 at a time), then the first sends <see cref="BroadcastOptions.Messages"/> chat
/// messages numbered from 1, never more than <see cref="BroadcastOptions.Window"/> ahead of the slowest member (each
/// member's count of messages received is shared), and every member must read every message in order. The whole run is
/// bounded by <see cref="BroadcastOptions.Timeout"/>; the server's CPU time is read at the first send and at the last delivery.
/// </summary>
public static class BroadcastScenario
{
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>Runs the scenario and returns what it measured; progress lines go to <paramref name="log"/>.</summary>
    public static async Task<BroadcastResult> RunAsync(BroadcastOptions options, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        log ??= _ => { };
        using var deadline = new CancellationTokenSource(options.Timeout);
        using var progress = new SemaphoreSlim(0);
        int waiting = 0;
        void Wake()
        {
            if (Interlocked.Exchange(ref waiting, 0) == 1)
            {
                progress.Release();
            }
        }

        var errors = new List<string>();
        var members = new BroadcastMember?[options.Members];
        try
        {
            await JoinAllAsync(options, members, Wake, errors, deadline.Token).ConfigureAwait(false);
            if (errors.Count > 0)
            {
                return new BroadcastResult { Options = options, Joined = members.Count(m => m is not null), Errors = errors };
            }

            BroadcastMember[] joined = members.Select(m => m!).ToArray();
            log($"{joined.Length} members joined through {options.MoreUrls.Count + 1} server(s); sending {options.Messages} messages of {options.Size} characters");
            TimeSpan? startCpu = options.ServerPid is int pid ? ProcessCpu.Read(pid) : null;
            long start = Stopwatch.GetTimestamp();
            long lastSent = start;
            BroadcastMember sender = joined[0];
            var frames = new ArrayBufferWriter<byte>();
            var writer = new FrameWriter(frames, WebSocketRole.Client);
            byte[] payload = MessagePayload(options.Size, out int sequenceOffset);
            long sent = 0;
            string? stopped = null;
            while (stopped is null)
            {
                long slowest = Slowest(joined);
                if (slowest == options.Messages)
                {
                    break;
                }

                long allowed = Math.Min(options.Window - (sent - slowest), options.Messages - sent);
                if (allowed <= 0)
                {
                    Volatile.Write(ref waiting, 1);
                    if (Slowest(joined) == slowest && (stopped = Failure(joined)) is null)
                    {
                        await progress.WaitAsync(PollInterval, deadline.Token).ConfigureAwait(false);
                    }

                    continue;
                }

                frames.ResetWrittenCount();
                for (long i = 0; i < allowed; i++)
                {
                    Utf8Formatter.TryFormat(++sent, payload.AsSpan(sequenceOffset, BroadcastOptions.MinSize), out _, new StandardFormat('D', BroadcastOptions.MinSize));
                    writer.WriteFrame(Opcode.Text, payload);
                }

                lastSent = Stopwatch.GetTimestamp();
                await sender.SendAsync(frames.WrittenMemory, deadline.Token).ConfigureAwait(false);
            }

            TimeSpan? endCpu = options.ServerPid is int endPid ? ProcessCpu.Read(endPid) : null;
            long end = joined.Max(m => m.LastAt);
            if (stopped is null)
            {
                log("every member has every message; closing");
                await Task.WhenAll(joined.Select(m => m.CloseAsync(CloseTimeout))).ConfigureAwait(false);
            }

            errors.AddRange(joined.Where(m => m.Error is not null).Select(m => $"{m.Name}: {m.Error}"));
            return new BroadcastResult
            {
                Options = options,
                Joined = joined.Length,
                Elapsed = end > start ? Stopwatch.GetElapsedTime(start, end) : TimeSpan.Zero,
                LastDelivery = end > lastSent && stopped is null ? Stopwatch.GetElapsedTime(lastSent, end) : TimeSpan.Zero,
                Delivered = joined.Sum(m => m.Received - m.Missing),
                OutOfOrder = joined.Sum(m => m.OutOfOrder),
                Missing = joined.Sum(m => m.Missing),
                ServerCpu = endCpu - startCpu,
                Errors = errors,
            };
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            errors.Add($"the run took longer than {options.Timeout.TotalSeconds} s; slowest member at message " +
                $"{members.Where(m => m is not null).Select(m => m!.Received).DefaultIfEmpty(0).Min()} of {options.Messages}");
            errors.AddRange(members.Where(m => m?.Error is not null).Select(m => $"{m!.Name}: {m.Error}"));
            return Partial(options, members, errors);
        }
        catch (SocketException exception)
        {
            errors.Add("send: " + exception.Message);
            return Partial(options, members, errors);
        }
        finally
        {
            foreach (BroadcastMember? member in members)
            {
                member?.Dispose();
            }
        }
    }

    /// <summary>
    /// The JSON of a chat message whose text is <paramref name="size"/> characters: a 10-digit sequence number (written
    /// in place at <paramref name="sequenceOffset"/> for each message) followed by letters.
    /// </summary>
    public static byte[] MessagePayload(int size, out int sequenceOffset)
    {
        string prefix = "{\"type\":\"message\",\"text\":\"";
        string json = prefix + new string('0', BroadcastOptions.MinSize) + new string('x', size - BroadcastOptions.MinSize) + "\"}";
        sequenceOffset = prefix.Length;
        return System.Text.Encoding.ASCII.GetBytes(json);
    }

    private static BroadcastResult Partial(BroadcastOptions options, BroadcastMember?[] members, List<string> errors) => new()
    {
        Options = options,
        Joined = members.Count(m => m is not null),
        Delivered = members.Sum(m => m is null ? 0 : m.Received - m.Missing),
        OutOfOrder = members.Sum(m => m?.OutOfOrder ?? 0),
        Missing = members.Sum(m => m?.Missing ?? 0),
        Errors = errors,
    };

    private static async Task JoinAllAsync(BroadcastOptions options, BroadcastMember?[] members, Action wake, List<string> errors, CancellationToken cancellationToken)
    {
        using var gate = new SemaphoreSlim(32);
        await Task.WhenAll(Enumerable.Range(0, options.Members).Select(async i =>
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            Socket? socket = null;
            try
            {
                socket = await RawHandshake.ConnectAsync(options.UrlOf(i), cancellationToken).ConfigureAwait(false);
                var member = new BroadcastMember(socket, "m" + i.ToString(CultureInfo.InvariantCulture), options.Size, wake);
                socket = null;
                members[i] = member;
                await member.JoinAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is SocketException or InvalidOperationException or ArgumentException)
            {
                lock (errors)
                {
                    errors.Add($"member {i}: {exception.Message}");
                }
            }
            finally
            {
                socket?.Dispose();
                gate.Release();
            }
        })).ConfigureAwait(false);
    }

    private static long Slowest(BroadcastMember[] members)
    {
        long slowest = long.MaxValue;
        foreach (BroadcastMember member in members)
        {
            slowest = Math.Min(slowest, member.Received);
        }

        return slowest;
    }

    private static string? Failure(BroadcastMember[] members) => members.FirstOrDefault(m => m.Error is not null)?.Error;
}
