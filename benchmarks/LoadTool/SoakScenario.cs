using System.Net.WebSockets;
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Connection;
using WebSocketProtocol.Extensions.Deflate;
using WebSocketProtocol.Framing;
using WebSocketProtocol.Handshake;
using WebSocketProtocol.Transport;

namespace WebSocketProtocol.LoadTool;

/// <summary>
/// A mixed load for a long time against the sample server, on the library's client role: echo connections that send
/// random text and binary messages (up to 200 KB, compressed on every other connection) and check every echo byte for
/// byte, then end with a clean close, a dropped socket or a frame cut off halfway; chat members that stay for the whole
/// run and send numbered, checksummed messages that every other one must receive exactly once and in order; and chat
/// members that come and go. It reads the server's resident set and open descriptors while it runs and after everything
/// has left. Bounded by <see cref="SoakOptions.Duration"/> plus fixed grace periods.
/// </summary>
public static class SoakScenario
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(15);

    /// <summary>Runs the soak; <paramref name="log"/> gets progress lines.</summary>
    public static async Task<SoakResult> RunAsync(SoakOptions options, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        log ??= _ => { };
        var counters = new SoakCounters();
        using var abandon = new CancellationTokenSource(options.Duration + DrainTimeout + StepTimeout + StepTimeout + StepTimeout);
        var clock = Stopwatch.StartNew();

        // One connection of each kind first, so what the server's runtime opens once (its socket engine's descriptors, the
        // thread pool's) is already there when the baseline is read.
        string room = "soak-" + options.Seed.ToString(CultureInfo.InvariantCulture);
        await WarmUpAsync(options, room, abandon.Token).ConfigureAwait(false);
        int? baselineDescriptors = options.ServerPid is int pid ? ProcessDescriptors.Count(pid) : null;
        var stable = new List<StableMember>();
        for (int i = 0; i < options.StableMembers; i++)
        {
            stable.Add(await StableMember.JoinAsync(options, room, "s" + i.ToString(CultureInfo.InvariantCulture), counters, abandon.Token).ConfigureAwait(false));
        }

        DateTime deadline = DateTime.UtcNow + options.Duration;
        var memory = new List<long>();
        Task sampler = SampleMemoryAsync(options, memory, deadline, abandon.Token);
        var workers = new List<Task>();
        workers.AddRange(Enumerable.Range(0, options.EchoWorkers).Select(w => Guard(EchoWorkerAsync(w, options, deadline, counters, abandon.Token), counters, "echo")));
        workers.AddRange(Enumerable.Range(0, options.ChurnWorkers).Select(w => Guard(ChurnWorkerAsync(w, options, room, deadline, counters, abandon.Token), counters, "churn")));
        workers.AddRange(stable.Select(member => Guard(member.TalkAsync(deadline, abandon.Token), counters, "member")));
        await Task.WhenAll(workers).ConfigureAwait(false);
        log($"load over after {clock.Elapsed.TotalSeconds:F1} s; waiting for the members' last messages");

        // Every message a staying member sent must reach every other staying member: wait for the last ones, boundedly.
        Dictionary<string, int> sent = stable.ToDictionary(m => m.Name, m => m.Sent);
        DateTime drainDeadline = DateTime.UtcNow + DrainTimeout;
        while (DateTime.UtcNow < drainDeadline && !stable.All(m => m.HasAllFrom(sent)))
        {
            await Task.Delay(50).ConfigureAwait(false);
        }

        foreach (StableMember member in stable)
        {
            Interlocked.Add(ref counters.ChatMissing, member.MissingFrom(sent));
            await Guard(member.LeaveAsync(abandon.Token), counters, "member close").ConfigureAwait(false);
        }

        await sampler.ConfigureAwait(false);

        // Everything has left: the server's descriptors should come back to where they were.
        int? endDescriptors = null;
        if (options.ServerPid is int serverPid && baselineDescriptors is int baseline)
        {
            DateTime settleDeadline = DateTime.UtcNow + SettleTimeout;
            do
            {
                endDescriptors = ProcessDescriptors.Count(serverPid);
                if (endDescriptors is null || endDescriptors <= baseline + SoakResult.DescriptorSlack)
                {
                    break;
                }

                await Task.Delay(200).ConfigureAwait(false);
            }
            while (DateTime.UtcNow < settleDeadline);
        }

        return new SoakResult(counters, clock.Elapsed, baselineDescriptors, endDescriptors, memory);
    }

    private static async Task WarmUpAsync(SoakOptions options, string room, CancellationToken cancellationToken)
    {
        using (WebSocketConnection echo = await WebSocketClient.ConnectAsync(new Uri(options.Url, "/echo"), null, cancellationToken).ConfigureAwait(false))
        {
            await echo.SendTextAsync("warm-up", cancellationToken).ConfigureAwait(false);
            using (await echo.ReceiveMessageAsync(cancellationToken).ConfigureAwait(false))
            {
            }

            await echo.CloseAsync(CloseStatus.NormalClosure, null, cancellationToken).ConfigureAwait(false);
        }

        using (SoakClient chat = await ChatJoinAsync(options, room + "-warm-up", "w", cancellationToken).ConfigureAwait(false))
        {
            await chat.Connection.CloseAsync(CloseStatus.NormalClosure, null, cancellationToken).ConfigureAwait(false);
        }

        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
    }

    private static async Task Guard(Task work, SoakCounters counters, string what)
    {
        try
        {
            await work.ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            // The whole exception, stack included: a failure here is a finding to chase.
            counters.Error($"{what}: {exception}");
        }
    }

    private static async Task SampleMemoryAsync(SoakOptions options, List<long> samples, DateTime deadline, CancellationToken cancellationToken)
    {
        if (options.ServerPid is not int pid)
        {
            return;
        }

        while (DateTime.UtcNow < deadline && !cancellationToken.IsCancellationRequested)
        {
            if (ProcessMemory.ResidentBytes(pid) is long bytes)
            {
                samples.Add(bytes);
            }

            await Task.Delay(TimeSpan.FromSeconds(0.5), CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static async Task EchoWorkerAsync(int worker, SoakOptions options, DateTime deadline, SoakCounters counters, CancellationToken cancellationToken)
    {
        var random = new Random(options.Seed + (worker * 7919));
        for (int session = 0; DateTime.UtcNow < deadline; session++)
        {
            var clientOptions = new WebSocketClientOptions();
            if (session % 2 == 1)
            {
                clientOptions.Extensions.Add(new PerMessageDeflateClientFactory());
            }

            using var step = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            step.CancelAfter(StepTimeout);
            using SoakClient client = await SoakClient.ConnectAsync(new Uri(options.Url, "/echo"), clientOptions, step.Token).ConfigureAwait(false);
            WebSocketConnection connection = client.Connection;
            Interlocked.Increment(ref counters.EchoSessions);
            int messages = random.Next(1, 40);
            for (int m = 0; m < messages && DateTime.UtcNow < deadline; m++)
            {
                bool text = random.Next(2) == 0;
                byte[] payload = RandomPayload(random, text);
                WebSocketMessageType type = text ? WebSocketMessageType.Text : WebSocketMessageType.Binary;
                await connection.SendAsync(payload, type, step.Token).ConfigureAwait(false);
                Interlocked.Increment(ref counters.EchoSent);
                using WebSocketMessage echo = await connection.ReceiveMessageAsync(step.Token).ConfigureAwait(false);
                if (echo.MessageType == type && echo.Data.Span.SequenceEqual(payload))
                {
                    Interlocked.Increment(ref counters.EchoVerified);
                }
                else
                {
                    Interlocked.Increment(ref counters.EchoCorrupted);
                    counters.Error($"echo {worker}/{session}/{m}: {echo.MessageType} of {echo.Data.Length} bytes for {type} of {payload.Length}");
                }
            }

            await EndAsync(random, client, reading: null, counters, step.Token).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Ends a session one of three ways: a clean close (most often), a dropped socket, or a frame cut off halfway.
    /// <paramref name="reading"/> is the session's own read loop, if one runs beside the caller.
    /// </summary>
    private static async Task EndAsync(Random random, SoakClient client, Task? reading, SoakCounters counters, CancellationToken cancellationToken)
    {
        WebSocketConnection connection = client.Connection;
        int ending = random.Next(10);
        if (ending < 6)
        {
            await connection.CloseAsync(CloseStatus.NormalClosure, "soak", cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref counters.CleanCloses);
        }
        else if (ending < 8)
        {
            // No close frame, no waiting: the socket just goes (aborting the connection closes it).
            connection.Abort();
            await ReadsStoppedAsync(reading).ConfigureAwait(false);
            Interlocked.Increment(ref counters.AbruptDrops);
        }
        else
        {
            // A header announcing 1000 bytes and 10 of them, then the socket goes: the server sees a truncated frame.
            var header = new FrameHeader(Opcode.Binary, 1000, isFinal: true, isMasked: true, maskKey: 0x1badb002);
            Span<byte> bytes = client.Output.GetSpan(FrameHeader.MaxEncodedLength + 10);
            int written = header.Write(bytes);
            bytes.Slice(written, 10).Fill(0x42);
            client.Output.Advance(written + 10);
            await client.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
            connection.Abort();
            await ReadsStoppedAsync(reading).ConfigureAwait(false);
            Interlocked.Increment(ref counters.MidFrameDrops);
        }
    }

    /// <summary>
    /// Waits for a read loop to see the abort, so that the session's step ends with its reader. How the loop ended is for
    /// its own guard to judge.
    /// </summary>
    private static async Task ReadsStoppedAsync(Task? reading)
    {
        if (reading is not null)
        {
            await reading.WaitAsync(StepTimeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private static async Task ChurnWorkerAsync(int worker, SoakOptions options, string room, DateTime deadline, SoakCounters counters, CancellationToken cancellationToken)
    {
        var random = new Random(options.Seed + 104729 + worker);
        for (int session = 0; DateTime.UtcNow < deadline; session++)
        {
            using var step = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            step.CancelAfter(StepTimeout);
            string name = $"c{worker.ToString(CultureInfo.InvariantCulture)}x{session.ToString(CultureInfo.InvariantCulture)}";
            using (SoakClient client = await ChatJoinAsync(options, room, name, step.Token).ConfigureAwait(false))
            {
                WebSocketConnection connection = client.Connection;
                Interlocked.Increment(ref counters.ChurnSessions);
                var reader = new ChatReader(name, counters, strictFrom: null);
                Task reading = reader.ReadAsync(connection, step.Token);
                int messages = random.Next(1, 10);
                for (int seq = 1; seq <= messages && DateTime.UtcNow < deadline; seq++)
                {
                    await connection.SendTextAsync(ChatText.Message(name, seq), step.Token).ConfigureAwait(false);
                    await Task.Delay(random.Next(10, 100), step.Token).ConfigureAwait(false);
                }

                reader.Ending = true;
                await EndAsync(random, client, reading, counters, step.Token).ConfigureAwait(false);
                await Guard(reading, counters, "churn reader").ConfigureAwait(false);
            }
        }
    }

    /// <summary>Connects to the room (offering permessage-deflate, as browsers do), joins and reads <c>joined</c> and <c>history</c>.</summary>
    private static async Task<SoakClient> ChatJoinAsync(SoakOptions options, string room, string name, CancellationToken cancellationToken)
    {
        var clientOptions = new WebSocketClientOptions();
        clientOptions.Extensions.Add(new PerMessageDeflateClientFactory());
        SoakClient client = await SoakClient.ConnectAsync(new Uri(options.Url, "/chat?room=" + room), clientOptions, cancellationToken).ConfigureAwait(false);
        WebSocketConnection connection = client.Connection;
        try
        {
            await connection.SendTextAsync(JsonSerializer.Serialize(new { type = "join", name }), cancellationToken).ConfigureAwait(false);
            foreach (string expected in new[] { "joined", "history" })
            {
                using WebSocketMessage reply = await connection.ReceiveMessageAsync(cancellationToken).ConfigureAwait(false);
                using JsonDocument document = JsonDocument.Parse(reply.Data);
                string? type = document.RootElement.GetProperty("type").GetString();
                if (type != expected)
                {
                    throw new InvalidOperationException($"{name} expected '{expected}' after joining, got '{type}'.");
                }
            }

            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>Random text (ASCII with two-, three- and four-byte characters) or bytes; sizes from empty to 200 KB.</summary>
    private static byte[] RandomPayload(Random random, bool text)
    {
        int length = random.Next(4) switch
        {
            0 => random.Next(0, 17),
            1 => random.Next(17, 1025),
            2 => random.Next(1025, 16 * 1024),
            _ => random.Next(16 * 1024, 200 * 1024),
        };
        if (!text)
        {
            var bytes = new byte[length];
            random.NextBytes(bytes);
            return bytes;
        }

        var builder = new StringBuilder(length);
        for (int bytes = 0; bytes < length;)
        {
            switch (random.Next(8))
            {
                case 0:
                    builder.Append('é');
                    bytes += 2;
                    break;
                case 1:
                    builder.Append('中');
                    bytes += 3;
                    break;
                case 2:
                    builder.Append("😀");
                    bytes += 4;
                    break;
                default:
                    builder.Append((char)random.Next(0x20, 0x7F));
                    bytes++;
                    break;
            }
        }

        return Encoding.UTF8.GetBytes(builder.ToString());
    }

    /// <summary>A member that stays the whole run: sends numbered messages and checks everyone else's.</summary>
    private sealed class StableMember
    {
        private readonly SoakClient _client;
        private readonly WebSocketConnection _connection;
        private readonly ChatReader _reader;
        private readonly Task _reading;
        private readonly Random _random;
        private int _sent;

        private StableMember(string name, SoakClient client, SoakCounters counters, int seed, CancellationToken cancellationToken)
        {
            Name = name;
            _client = client;
            _connection = client.Connection;
            _random = new Random(seed);
            _reader = new ChatReader(name, counters, strictFrom: "s");
            _reading = _reader.ReadAsync(_connection, cancellationToken);
        }

        public string Name { get; }

        public int Sent => Volatile.Read(ref _sent);

        public static async Task<StableMember> JoinAsync(SoakOptions options, string room, string name, SoakCounters counters, CancellationToken cancellationToken)
        {
            SoakClient client = await ChatJoinAsync(options, room, name, cancellationToken).ConfigureAwait(false);
            return new StableMember(name, client, counters, options.Seed + name.GetHashCode(StringComparison.Ordinal), cancellationToken);
        }

        public async Task TalkAsync(DateTime deadline, CancellationToken cancellationToken)
        {
            while (DateTime.UtcNow < deadline)
            {
                int seq = _sent + 1;
                await _connection.SendTextAsync(ChatText.Message(Name, seq), cancellationToken).ConfigureAwait(false);
                Volatile.Write(ref _sent, seq);
                await Task.Delay(_random.Next(20, 120), cancellationToken).ConfigureAwait(false);
            }
        }

        public bool HasAllFrom(Dictionary<string, int> sent) => sent.All(s => s.Key == Name || _reader.LastFrom(s.Key) >= s.Value);

        public int MissingFrom(Dictionary<string, int> sent) => sent.Where(s => s.Key != Name).Sum(s => Math.Max(0, s.Value - _reader.LastFrom(s.Key)));

        public async Task LeaveAsync(CancellationToken cancellationToken)
        {
            using (_client)
            {
                // The reader gets the close echoed back and ends.
                _reader.Ending = true;
                await _connection.CloseAsync(CloseStatus.NormalClosure, "soak over", cancellationToken).ConfigureAwait(false);
                await _reading.ConfigureAwait(false);
            }
        }
    }

    /// <summary>Reads a member's chat events, checking every message's checksum and the order of each sender's numbers.</summary>
    private sealed class ChatReader
    {
        private readonly string _name;
        private readonly SoakCounters _counters;
        private readonly string? _strictFrom;
        private readonly ConcurrentDictionary<string, int> _last = new(StringComparer.Ordinal);
        private volatile bool _ending;

        /// <param name="name">The member reading.</param>
        /// <param name="counters">Where the outcomes go.</param>
        /// <param name="strictFrom">Senders whose names start with this must arrive exactly once and in order, no gaps.</param>
        public ChatReader(string name, SoakCounters counters, string? strictFrom)
        {
            _name = name;
            _counters = counters;
            _strictFrom = strictFrom;
        }

        public int LastFrom(string sender) => _last.TryGetValue(sender, out int last) ? last : 0;

        /// <summary>Set by the member before it closes or drops the connection: the reads may end in any way after that.</summary>
        public bool Ending
        {
            get => _ending;
            set => _ending = value;
        }

        public async Task ReadAsync(WebSocketConnection connection, CancellationToken cancellationToken)
        {
            try
            {
                while (true)
                {
                    using WebSocketMessage message = await connection.ReceiveMessageAsync(cancellationToken).ConfigureAwait(false);
                    if (message.MessageType == WebSocketMessageType.Close)
                    {
                        return;
                    }

                    Check(message.Data);
                }
            }
            catch (Exception exception) when (Ending && exception is WebSocketProtocolException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
            {
                // The member's own ending: a close it started (which may read the peer's close itself) or a dropped socket.
            }
        }

        private void Check(ReadOnlyMemory<byte> json)
        {
            using JsonDocument document = JsonDocument.Parse(json);
            JsonElement root = document.RootElement;
            string? type = root.GetProperty("type").GetString();
            if (type == "error")
            {
                _counters.Error($"{_name} got an error event: {root.GetRawText()}");
                return;
            }

            if (type != "message")
            {
                return;
            }

            string from = root.GetProperty("from").GetString() ?? string.Empty;
            if (!ChatText.TryDecode(root.GetProperty("text").GetString(), out string sender, out int seq) || sender != from)
            {
                Interlocked.Increment(ref _counters.ChatCorrupted);
                _counters.Error($"{_name} got a corrupted message from {from}: {root.GetRawText()}");
                return;
            }

            int last = LastFrom(from);
            bool strict = _strictFrom is not null && from.StartsWith(_strictFrom, StringComparison.Ordinal);
            if (seq <= last)
            {
                Interlocked.Increment(ref _counters.ChatDuplicated);
                _counters.Error($"{_name} got {from}'s message {seq} again, or out of order (after {last})");
                return;
            }

            if (strict && seq != last + 1)
            {
                Interlocked.Add(ref _counters.ChatMissing, seq - last - 1);
                _counters.Error($"{_name} missed {from}'s messages {last + 1}..{seq - 1}");
            }

            _last[from] = seq;
            Interlocked.Increment(ref _counters.ChatDelivered);
        }
    }

    /// <summary>A chat text that proves itself: sender, number, and a checksum over both and a filler.</summary>
    private static class ChatText
    {
        private const string Filler = "the quick brown fox jumps over the lazy dog";

        /// <summary>The chat protocol's <c>message</c> request carrying <see cref="Encode"/>'s text.</summary>
        public static string Message(string sender, int seq) => JsonSerializer.Serialize(new { type = "message", text = Encode(sender, seq) });

        public static string Encode(string sender, int seq) =>
            $"{sender}|{seq.ToString(CultureInfo.InvariantCulture)}|{Checksum(sender, seq).ToString("x8", CultureInfo.InvariantCulture)}|{Filler}";

        public static bool TryDecode(string? text, out string sender, out int seq)
        {
            sender = string.Empty;
            seq = 0;
            string[] parts = text?.Split('|') ?? Array.Empty<string>();
            return parts.Length == 4 && parts[3] == Filler
                && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out seq)
                && uint.TryParse(parts[2], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint checksum)
                && checksum == Checksum(sender = parts[0], seq);
        }

        /// <summary>FNV-1a over the sender's name, the number and the filler.</summary>
        private static uint Checksum(string sender, int seq)
        {
            uint hash = 2166136261;
            foreach (char c in sender + "|" + seq.ToString(CultureInfo.InvariantCulture) + "|" + Filler)
            {
                hash = (hash ^ c) * 16777619;
            }

            return hash;
        }
    }
}
