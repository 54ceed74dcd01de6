using System.Buffers;
using System.Threading;

namespace WebSocketProtocol.Connection;

/// <summary>
/// A connection's spare <see cref="MessageBuffer"/>s: two, so a receive loop that disposes each message before the next
/// takes one back every time and allocates nothing, while a message kept longer simply leaves its holder with the
/// application and the next receive takes (or makes) another. Returns come from any thread.
/// </summary>
internal sealed class MessageBufferPool
{
    private MessageBuffer? _first;
    private MessageBuffer? _second;

    public MessageBufferPool(ArrayPool<byte> arrayPool, long maxMessageSize)
    {
        ArrayPool = arrayPool;
        MaxMessageSize = maxMessageSize;
    }

    /// <summary>Where message arrays come from.</summary>
    public ArrayPool<byte> ArrayPool { get; }

    /// <summary>The longest message the connection accepts.</summary>
    public long MaxMessageSize { get; }

    public MessageBuffer Rent() =>
        Interlocked.Exchange(ref _first, null) ?? Interlocked.Exchange(ref _second, null) ?? new MessageBuffer(this);

    public void Return(MessageBuffer buffer)
    {
        if (Interlocked.CompareExchange(ref _first, buffer, null) is not null)
        {
            // Two spares are plenty; a third holder goes to the garbage collector.
            Interlocked.CompareExchange(ref _second, buffer, null);
        }
    }
}
