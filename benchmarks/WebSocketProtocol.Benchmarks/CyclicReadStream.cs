using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace WebSocketProtocol.Benchmarks;

/// <summary>
/// A <see cref="Stream"/> that replays one byte array forever: every read fills the whole buffer it is given,
/// wrapping to the start as needed, and every asynchronous read completes synchronously without allocating.
/// Writes are accepted and discarded (<see cref="System.Net.WebSockets.WebSocket.CreateFromStream(Stream, System.Net.WebSockets.WebSocketCreationOptions)"/>
/// insists on a writable stream).
/// </summary>
public sealed class CyclicReadStream : Stream
{
    private readonly byte[] _data;
    private int _position;

    /// <summary>Creates a stream replaying <paramref name="data"/>, which must not be empty.</summary>
    public CyclicReadStream(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Length == 0)
        {
            throw new ArgumentException("Nothing to replay.", nameof(data));
        }

        _data = data;
    }

    /// <inheritdoc />
    public override bool CanRead => true;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override bool CanWrite => true;

    /// <inheritdoc />
    public override long Length => throw new NotSupportedException();

    /// <summary>The replay position: the offset in the array of the next byte to be read.</summary>
    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    /// <inheritdoc />
    public override int Read(Span<byte> buffer)
    {
        int copied = 0;
        while (copied < buffer.Length)
        {
            int count = Math.Min(buffer.Length - copied, _data.Length - _position);
            _data.AsSpan(_position, count).CopyTo(buffer.Slice(copied));
            copied += count;
            _position += count;
            if (_position == _data.Length)
            {
                _position = 0;
            }
        }

        return copied;
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc />
    public override int ReadByte()
    {
        byte value = _data[_position];
        _position = _position + 1 == _data.Length ? 0 : _position + 1;
        return value;
    }

    /// <inheritdoc />
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<int>(cancellationToken);
        }

        return new ValueTask<int>(Read(buffer.Span));
    }

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc />
    public override void Flush()
    {
    }

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count)
    {
    }

    /// <inheritdoc />
    public override void Write(ReadOnlySpan<byte> buffer)
    {
    }

    /// <inheritdoc />
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        cancellationToken.IsCancellationRequested ? ValueTask.FromCanceled(cancellationToken) : default;

    /// <inheritdoc />
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc />
    public override Task FlushAsync(CancellationToken cancellationToken) =>
        cancellationToken.IsCancellationRequested ? Task.FromCanceled(cancellationToken) : Task.CompletedTask;
}
