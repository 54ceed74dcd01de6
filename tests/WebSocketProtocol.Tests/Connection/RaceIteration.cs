using System.Net.WebSockets;
using System;
using System.Buffers;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Connection;
using WebSocketProtocol.Extensions;
using WebSocketProtocol.Extensions.Deflate;
using WebSocketProtocol.Tests.Support;

namespace WebSocketProtocol.Tests.Connection;

/// <summary>What a stress iteration does to its target connection, from a thread of its own, at a random moment.</summary>
internal enum Disruption
{
    Dispose,
    Abort,
    Close,
}

/// <summary>
/// One iteration of <see cref="ConnectionRaceStressTests"/>: a target connection and its peer over a fresh transport, each
/// with a receive loop and a sending task (the peer pings too), and the target disposed, aborted or closed from another
/// thread at a random moment. Then everything must end within a bound, every exception must be one the connection
/// documents for that call, every message must arrive intact, and both poisoning pools must have every buffer back, each
/// returned once and untouched since.
/// </summary>
internal sealed class RaceIteration
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private readonly Random _random;
    private readonly ConcurrentQueue<string> _failures = new();
    private readonly PoisoningArrayPool _arrays = new();
    private readonly PoisoningMemoryPool _blocks = new();

    private volatile bool _closing;
    private int _receivedBesideClose;
    private int _targetReceived;

    private RaceIteration(Random random) => _random = random;

    /// <summary>How the target's receive loop ended: "close", or the exception's type.</summary>
    public string TargetReceiveEnd { get; private set; } = "?";

    public string Scenario { get; private set; } = string.Empty;

    public IReadOnlyCollection<string> Failures => _failures;

    public Disruption Disruption { get; private set; }

    /// <summary>Runs one iteration over pipes, or over a loopback socket accepted by <paramref name="listener"/>.</summary>
    public static async Task<RaceIteration> RunAsync(Random random, System.Net.Sockets.TcpListener? listener)
    {
        var iteration = new RaceIteration(random);
        await iteration.RunAsync(listener);
        return iteration;
    }

    private async Task RunAsync(System.Net.Sockets.TcpListener? listener)
    {
        Disruption = (Disruption)_random.Next(3);
        bool targetIsServer = _random.Next(2) == 0;
        int deflate = _random.Next(3);
        bool streamed = _random.Next(2) == 0;
        int afterMessages = _random.Next(4);
        int spin = _random.Next(20_000);
        int targetMessages = _random.Next(1, 30);
        int peerMessages = _random.Next(1, 30);
        Scenario = $"{Disruption} of the {(targetIsServer ? "server" : "client")} after {afterMessages} messages and {spin} spins, " +
            $"{(deflate == 0 ? "without permessage-deflate" : deflate == 1 ? "with permessage-deflate" : "with permessage-deflate, no context takeover")}, {targetMessages}/{peerMessages} messages, the target receiving {(streamed ? "in pieces" : "whole messages")}";

        using StressTransport transport = listener is null ? StressTransport.OverPipes(_blocks) : await StressTransport.OverSocketAsync(listener, _blocks, Bound);
        WebSocketRole targetRole = targetIsServer ? WebSocketRole.Server : WebSocketRole.Client;
        WebSocketRole peerRole = targetIsServer ? WebSocketRole.Client : WebSocketRole.Server;
        var target = new WebSocketConnection(transport.FirstInput, transport.FirstOutput, Options(targetRole), extensions: Deflate(targetRole, deflate));
        var peer = new WebSocketConnection(transport.SecondInput, transport.SecondOutput, Options(peerRole), extensions: Deflate(peerRole, deflate));
        try
        {
            Task<string> targetReceive = Task.Run(() => ReceiveLoopAsync(target, "target", streamed, closeAfterPeersClose: false));
            Task targetSend = Task.Run(() => SendLoopAsync(target, "target", targetMessages, new Random(_random.Next()), ping: false));
            Task<string> peerReceive = Task.Run(() => ReceiveLoopAsync(peer, "peer", streamed: false, closeAfterPeersClose: true));
            Task peerSend = Task.Run(() => SendLoopAsync(peer, "peer", peerMessages, new Random(_random.Next()), ping: true));
            Task disrupt = Task.Run(() => DisruptAsync(target, Math.Min(afterMessages, peerMessages), spin, targetReceive));
            var tasks = new (string Name, Task Task)[] { ("target receive", targetReceive), ("target send", targetSend), ("peer receive", peerReceive), ("peer send", peerSend), (Disruption.ToString(), disrupt) };
            try
            {
                await Task.WhenAll(tasks.Select(task => task.Task)).WaitAsync(Bound);
            }
            catch (TimeoutException)
            {
                string stuck = string.Join(", ", tasks.Where(task => !task.Task.IsCompleted).Select(task => task.Name));
                _failures.Enqueue($"Hung: after {Bound.TotalSeconds} s these had not ended: {stuck}.");
                return;
            }
            catch (Exception)
            {
                // Reported below, task by task.
            }

            foreach ((string name, Task task) in tasks.Where(task => task.Task.IsFaulted))
            {
                _failures.Enqueue($"The {name} task failed: {task.Exception!.InnerException}");
            }

            TargetReceiveEnd = targetReceive.IsCompletedSuccessfully ? targetReceive.Result : "?";
            if (Disruption == Disruption.Close && TargetReceiveEnd != "close")
            {
                _failures.Enqueue($"The target's receive loop ran beside its CloseAsync, which completed, yet ended with {TargetReceiveEnd} rather than the peer's close.");
            }

            if (Volatile.Read(ref _receivedBesideClose) > 0)
            {
                TargetReceiveEnd += ", after messages received beside CloseAsync";
            }
        }
        finally
        {
            target.Dispose();
            peer.Dispose();
        }

        await CheckPoolsAsync();
    }

    private WebSocketConnectionOptions Options(WebSocketRole role) => new(role)
    {
        KeepAliveInterval = Timeout.InfiniteTimeSpan,
        CloseTimeout = Bound,
        BufferPool = _arrays,
    };

    /// <summary>permessage-deflate for <paramref name="role"/>: none (0), with context takeover (1), or without (2).</summary>
    private static IReadOnlyList<WebSocketExtension>? Deflate(WebSocketRole role, int agreed) => agreed == 0 ? null
        : new[] { new PerMessageDeflateExtension(role, agreed == 2, agreed == 2, 15, 15, compressionThreshold: 0) };

    /// <summary>
    /// Receives until the peer's close or the end, checking every message: whole messages from the connection's buffer
    /// (<paramref name="streamed"/> false), or pieces streamed into the test's own buffer.
    /// </summary>
    private async Task<string> ReceiveLoopAsync(WebSocketConnection connection, string name, bool streamed, bool closeAfterPeersClose)
    {
        int last = -1;
        var assembled = new ArrayBufferWriter<byte>();
        byte[] piece = new byte[1 + _random.Next(8192)];
        while (true)
        {
            WebSocketMessageType type;
            ReadOnlyMemory<byte> data;
            WebSocketMessage message = default;
            (CloseStatus? Status, ProtocolError Reason) close = default;
            try
            {
                if (streamed)
                {
                    assembled.ResetWrittenCount();
                    ReceiveResult result;
                    do
                    {
                        result = await connection.ReceiveAsync(piece);
                        assembled.Write(piece.AsSpan(0, result.Count));
                    }
                    while (!result.EndOfMessage);

                    close = (result.CloseStatus, result.AbnormalClosureReason);

                    // A close that cuts a streamed message short leaves its first part unchecked.
                    (type, data) = (result.MessageType, assembled.WrittenMemory);
                }
                else
                {
                    // A lease: intact until disposed below, whatever the connection does meanwhile (Dispose included).
                    message = await connection.ReceiveMessageAsync();
                    (type, data) = (message.MessageType, message.Data);
                    close = (message.CloseStatus, message.AbnormalClosureReason);
                }
            }
            catch (Exception exception) when (IsDocumentedEndOfReceive(exception))
            {
                return exception is WebSocketProtocolException typed ? $"{nameof(WebSocketProtocolException)} {typed.Error}" : exception.GetType().Name;
            }
            catch (Exception exception)
            {
                _failures.Enqueue($"The {name}'s receive threw what it does not document: {exception}");
                return exception.GetType().Name;
            }

            if (type == WebSocketMessageType.Close && close.Status == CloseStatus.AbnormalClosure)
            {
                // The connection was lost (the other side dropped it): an ordinary outcome, with no close to answer.
                return $"lost ({close.Reason})";
            }

            if (type == WebSocketMessageType.Close)
            {
                if (closeAfterPeersClose)
                {
                    // A client ends the handshake by waiting for the server's TCP close (RFC 6455 section 7.1.1).
                    await connection.CloseAsync(CloseStatus.NormalClosure);
                }

                return "close";
            }

            // Checked always: a whole message is a lease that stays intact until disposed, even after the connection is.
            string? wrong = StressMessages.Check(data.Span, type, ref last);
            message.Dispose();
            if (wrong is not null)
            {
                _failures.Enqueue($"The {name} received {wrong}.");
            }

            if (name == "target")
            {
                Interlocked.Increment(ref _targetReceived);
                if (_closing)
                {
                    Interlocked.Increment(ref _receivedBesideClose);
                }
            }
        }
    }

    /// <summary>
    /// The ways a receive may end in an exception as the connection ends: cancelled by an abort, or refused after Dispose. A
    /// lost transport is a close, not an exception; any protocol error here means bytes were read from the wrong memory.
    /// </summary>
    private static bool IsDocumentedEndOfReceive(Exception exception) => exception is OperationCanceledException or ObjectDisposedException;

    private async Task SendLoopAsync(WebSocketConnection connection, string name, int count, Random random, bool ping)
    {
        byte[] pingPayload = { 1, 2, 3 };
        for (int sequence = 0; sequence < count; sequence++)
        {
            WebSocketMessageType type = random.Next(4) == 0 ? WebSocketMessageType.Text : WebSocketMessageType.Binary;
            int length = random.Next(20) switch
            {
                < 12 => random.Next(8, 64),
                < 17 => random.Next(64, 4000),
                < 19 => random.Next(4000, 70_000),
                _ => random.Next(70_000, 300_000),
            };
            byte[] message = StressMessages.Create(sequence, length, type);
            try
            {
                if (ping && random.Next(6) == 0)
                {
                    await connection.PingAsync(pingPayload);
                }

                switch (random.Next(3))
                {
                    case 0:
                        await connection.SendAsync(message, type);
                        break;
                    case 1 when type == WebSocketMessageType.Text:
                        await connection.SendTextAsync(System.Text.Encoding.ASCII.GetString(message));
                        break;
                    default:
                        // In pieces, so that a receive meets the message between its frames.
                        int split = random.Next(1, message.Length);
                        await connection.SendFragmentAsync(message.AsMemory(0, split), type, endOfMessage: false);
                        await connection.SendFragmentAsync(message.AsMemory(split), type, endOfMessage: true);
                        break;
                }
            }
            catch (Exception exception) when (IsDocumentedEndOfSend(exception))
            {
                return;
            }
            catch (Exception exception)
            {
                _failures.Enqueue($"The {name}'s send threw what it does not document: {exception}");
                return;
            }
        }
    }

    /// <summary>
    /// The ways a send may end as the connection ends: refused once it is closing or closed (or disposed), the transport
    /// lost (typed, or as the stream reported it), or cancelled.
    /// </summary>
    private static bool IsDocumentedEndOfSend(Exception exception) => exception is InvalidOperationException or OperationCanceledException or System.IO.IOException
        || exception is WebSocketProtocolException { Error: ProtocolError.ConnectionLost };

    private async Task DisruptAsync(WebSocketConnection target, int afterMessages, int spin, Task targetReceive)
    {
        using (var deadline = new CancellationTokenSource(Bound))
        {
            while (Volatile.Read(ref _targetReceived) < afterMessages && !targetReceive.IsCompleted && !deadline.IsCancellationRequested)
            {
                await Task.Yield();
            }
        }

        Thread.SpinWait(spin);
        switch (Disruption)
        {
            case Disruption.Dispose:
                target.Dispose();
                break;
            case Disruption.Abort:
                target.Abort();
                break;
            default:
                try
                {
                    _closing = true;
                    await target.CloseAsync(CloseStatus.NormalClosure);
                }
                catch (Exception exception)
                {
                    _failures.Enqueue($"CloseAsync threw: {exception}");
                }

                break;
        }
    }

    /// <summary>Every buffer back, each once, none touched since: waits (within the bound) for returns still on their way.</summary>
    private async Task CheckPoolsAsync()
    {
        using var deadline = new CancellationTokenSource(Bound);
        while ((_arrays.Outstanding != 0 || _blocks.Outstanding != 0) && !deadline.IsCancellationRequested)
        {
            await Task.Delay(1);
        }

        if (_arrays.Outstanding != 0)
        {
            _failures.Enqueue($"{_arrays.Outstanding} arrays lent to the connections never came back.");
        }

        if (_blocks.Outstanding != 0)
        {
            _failures.Enqueue($"{_blocks.Outstanding} pipe blocks never came back.");
        }

        _arrays.CheckQuarantine();
        _blocks.CheckQuarantine();
        foreach (string violation in _arrays.Violations.Concat(_blocks.Violations))
        {
            _failures.Enqueue(violation);
        }
    }
}
