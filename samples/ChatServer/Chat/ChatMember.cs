using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using WebSocketProtocol;
using WebSocketProtocol.Connection;
using WebSocketProtocol.Framing;

namespace ChatServer.Chat;

/// <summary>
/// One connection in a room, and its outbound queue: everything for it (broadcasts and its own replies) goes through a
/// bounded queue that one writer drains, so a slow reader holds up only itself. A member whose queue overflows is cut off
/// with 1013 while the room goes on.
/// </summary>
internal sealed class ChatMember
{
    private static readonly TimeSpan CutOffTimeout = TimeSpan.FromSeconds(2);

    // Frames written per flush at most, so one flush never holds a long run of the queue.
    private const int MaxBatch = 64;

    private readonly Channel<PreparedFrame> _outbound;
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _cutOff;
    private volatile string? _name;

    public ChatMember(WebSocketConnection connection, int queueLimit)
    {
        Connection = connection;
        QueueLimit = queueLimit;
        _outbound = Channel.CreateBounded<PreparedFrame>(new BoundedChannelOptions(queueLimit) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    }

    public WebSocketConnection Connection { get; }

    /// <summary>Frames its queue holds at most (<c>--max-queue</c>).</summary>
    public int QueueLimit { get; }

    /// <summary>The nickname, once joined (set before <c>joined</c> is queued, read by the receive loop).</summary>
    public string? Name
    {
        get => _name;
        set => _name = value;
    }

    /// <summary>Whether the member was cut off for falling behind.</summary>
    public bool IsCutOff => Volatile.Read(ref _cutOff) != 0;

    /// <summary>Queues <paramref name="frame"/>; when the queue is full the member is cut off instead and false returned.</summary>
    public bool Send(PreparedFrame frame)
    {
        if (_outbound.Writer.TryWrite(frame))
        {
            return true;
        }

        if (Interlocked.Exchange(ref _cutOff, 1) == 0)
        {
            ChatCounters.MemberCutOff();
            _outbound.Writer.TryComplete();
            _ = CutOffAsync();
        }

        return false;
    }

    /// <summary>Queues a message for this member alone.</summary>
    public bool Send(byte[] json) => Send(new PreparedFrame(Opcode.Text, json));

    /// <summary>Writes queued frames until the queue is completed or the connection fails.</summary>
    public async Task RunWriterAsync()
    {
        try
        {
            // Whatever queued up while the last write went out is written together, with one flush.
            var batch = new List<PreparedFrame>();
            ChannelReader<PreparedFrame> reader = _outbound.Reader;
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (batch.Count < MaxBatch && reader.TryRead(out PreparedFrame? frame))
                {
                    batch.Add(frame);
                }

                await Connection.SendPreparedBatchAsync(batch).ConfigureAwait(false);
                batch.Clear();
            }
        }
        catch (Exception exception) when (exception is WebSocketProtocolException or InvalidOperationException or OperationCanceledException)
        {
            // The connection closed or failed under the writer; the receive loop sees it too and leaves the room.
        }
        finally
        {
            _drained.TrySetResult();
        }
    }

    /// <summary>
    /// Ends the queue, lets what is in it go out (for at most <paramref name="timeout"/>), then closes the connection with
    /// <paramref name="status"/>: a last message queued before, such as the error that explains the close, arrives first.
    /// </summary>
    public async Task CloseAfterQueuedAsync(CloseStatus status, string reason, TimeSpan timeout)
    {
        Complete();
        await Task.WhenAny(_drained.Task, Task.Delay(timeout)).ConfigureAwait(false);
        using var closing = new CancellationTokenSource(timeout);
        try
        {
            await Connection.CloseAsync(status, reason, closing.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is WebSocketProtocolException or InvalidOperationException or OperationCanceledException)
        {
            // The connection ended meanwhile, or the close could not go out in time (then the close timeout drops it).
        }
    }

    /// <summary>No more frames: the writer ends once the queue is empty.</summary>
    public void Complete() => _outbound.Writer.TryComplete();

    private async Task CutOffAsync()
    {
        // Its transport is full, so the close frame may not get out: give it a moment, then drop the connection.
        using var timeout = new CancellationTokenSource(CutOffTimeout);
        await Connection.CloseAsync((CloseStatus)1013, "Too slow: messages were piling up", timeout.Token).ConfigureAwait(false);
    }
}
