using System;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Tests.Support;

namespace WebSocketProtocol.Tests.Connection;

/// <summary>
/// The duplex transport under one stress iteration's connection pair, its memory from the iteration's poisoning pool:
/// either two <see cref="Pipe"/>s, or a real loopback TCP connection whose streams are read and written through
/// <see cref="PipeReader.Create(System.IO.Stream, StreamPipeReaderOptions?)"/> and <see cref="PipeWriter.Create(System.IO.Stream, StreamPipeWriterOptions?)"/>
/// as <see cref="Transport.WebSocketClient"/> does (each end owning its stream, so completing either closes the socket).
/// </summary>
internal sealed class StressTransport : IDisposable
{
    private readonly IDisposable? _sockets;

    private StressTransport(PipeReader firstInput, PipeWriter firstOutput, PipeReader secondInput, PipeWriter secondOutput, IDisposable? sockets)
    {
        FirstInput = firstInput;
        FirstOutput = firstOutput;
        SecondInput = secondInput;
        SecondOutput = secondOutput;
        _sockets = sockets;
    }

    public PipeReader FirstInput { get; }

    public PipeWriter FirstOutput { get; }

    public PipeReader SecondInput { get; }

    public PipeWriter SecondOutput { get; }

    /// <summary>Two pipes, one each way.</summary>
    public static StressTransport OverPipes(PoisoningMemoryPool pool)
    {
        var toFirst = new Pipe(new PipeOptions(pool: pool, useSynchronizationContext: false));
        var toSecond = new Pipe(new PipeOptions(pool: pool, useSynchronizationContext: false));
        return new StressTransport(toFirst.Reader, toSecond.Writer, toSecond.Reader, toFirst.Writer, null);
    }

    /// <summary>A TCP connection through <paramref name="listener"/> (on 127.0.0.1), its two ends' streams as pipes.</summary>
    public static async Task<StressTransport> OverSocketAsync(TcpListener listener, PoisoningMemoryPool pool, TimeSpan bound)
    {
        var connecting = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var deadline = new CancellationTokenSource(bound);
            ValueTask<Socket> accept = listener.AcceptSocketAsync(deadline.Token);
            await connecting.ConnectAsync((IPEndPoint)listener.LocalEndpoint, deadline.Token);
            Socket accepted = await accept;
            accepted.NoDelay = true;
            var first = new NetworkStream(accepted, ownsSocket: true);
            var second = new NetworkStream(connecting, ownsSocket: true);
            return new StressTransport(
                PipeReader.Create(first, new StreamPipeReaderOptions(pool: pool)),
                PipeWriter.Create(first, new StreamPipeWriterOptions(pool: pool)),
                PipeReader.Create(second, new StreamPipeReaderOptions(pool: pool)),
                PipeWriter.Create(second, new StreamPipeWriterOptions(pool: pool)),
                new Streams(first, second));
        }
        catch
        {
            connecting.Dispose();
            throw;
        }
    }

    /// <summary>Closes the sockets, if any (the connections over them are disposed first).</summary>
    public void Dispose() => _sockets?.Dispose();

    private sealed class Streams : IDisposable
    {
        private readonly NetworkStream _first;
        private readonly NetworkStream _second;

        public Streams(NetworkStream first, NetworkStream second)
        {
            _first = first;
            _second = second;
        }

        public void Dispose()
        {
            _first.Dispose();
            _second.Dispose();
        }
    }
}
