using System.Net.WebSockets;
using System;
using System.IO.Pipelines;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Framing;

namespace WebSocketProtocol.Connection;

/// <content>Answering pings: one pong slot, so a ping flood costs fixed memory rather than a queue.</content>
public sealed partial class WebSocketConnection
{
    // The latest ping's payload waits in a slot while an earlier pong is being written; a newer ping overwrites it.
    // RFC 6455 section 5.5.3 lets an endpoint answer only the most recent of the pings it has not yet answered. When
    // the transport keeps up, each pong is written before the next ping is read, so every ping still gets its pong.
    private readonly object _pongGate = new();

    // Allocated at the first ping: most browser connections never send one, and idle connections should stay small.
    private byte[]? _pongBuffers;
    private int _pendingPongLength = -1;
    private bool _pongWriterRunning;

    private void QueuePong(ReadOnlySpan<byte> payload)
    {
        lock (_pongGate)
        {
            _pongBuffers ??= new byte[2 * FrameHeader.MaxControlPayloadLength];
            payload.CopyTo(_pongBuffers);
            _pendingPongLength = payload.Length;
            if (_pongWriterRunning)
            {
                return;
            }

            _pongWriterRunning = true;
        }

        // Usually completes synchronously; when the transport pushes back, it finishes later and the receive goes on.
        _ = WritePendingPongsAsync();
    }

    private async Task WritePendingPongsAsync()
    {
        try
        {
            while (true)
            {
                await _frameLock.EnterAsync().ConfigureAwait(false);
                try
                {
                    int length = TakePendingPong();
                    if (length < 0)
                    {
                        return;
                    }

                    if (_closeSent || State == WebSocketState.Closed)
                    {
                        // After our close nothing else may be sent (RFC 6455 section 5.5.1).
                        continue;
                    }

                    _writer.WriteFrame(Opcode.Pong, _pongBuffers!.AsSpan(FrameHeader.MaxControlPayloadLength, length));
                    await FlushPongAsync().ConfigureAwait(false);
                }
                finally
                {
                    _frameLock.Exit();
                }
            }
        }
        catch (Exception exception) when (exception is WebSocketProtocolException || IsTransportFailure(exception))
        {
            // The transport is gone; the receive or the next send reports it. No pong is owed on a dead connection.
            lock (_pongGate)
            {
                _pendingPongLength = -1;
                _pongWriterRunning = false;
            }
        }
    }

    /// <summary>
    /// Flushes a pong, which no caller waits on and so no caller's token bounds. It holds the frame lock while it waits: a
    /// peer that stops reading would block every send for ever (with keepalive off, nothing else ever ends it). After the
    /// keepalive timeout, the time the peer's own pings may fairly wait for their pongs, the connection is aborted, which
    /// ends this flush and every send behind it.
    /// </summary>
    private async ValueTask FlushPongAsync()
    {
        ValueTask<FlushResult> flush = _output.FlushAsync();
        if (flush.IsCompleted)
        {
            CheckFlush(flush.Result);
            return;
        }

        using var stalled = new CancellationTokenSource(_options.KeepAliveTimeout);
        using (stalled.Token.Register(static state => ((WebSocketConnection)state!).Abort(), this))
        {
            CheckFlush(await flush.ConfigureAwait(false));
        }
    }

    /// <summary>Moves the waiting pong payload to the send buffer; -1 (and the writer stops) when none waits.</summary>
    private int TakePendingPong()
    {
        lock (_pongGate)
        {
            int length = _pendingPongLength;
            if (length < 0)
            {
                _pongWriterRunning = false;
                return -1;
            }

            // The first half holds the waiting payload, the second the one being written.
            _pongBuffers!.AsSpan(0, length).CopyTo(_pongBuffers.AsSpan(FrameHeader.MaxControlPayloadLength));
            _pendingPongLength = -1;
            return length;
        }
    }
}
