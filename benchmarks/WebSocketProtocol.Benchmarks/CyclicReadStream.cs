using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace WebSocketProtocol.Benchmarks;

/// <summary>
/// A read-only <see cref="Stream"/> that replays one byte array forever: every read fills the whole buffer it is given,
/// wrapping to the start as needed, and every asynchronous read completes synchronously without allocating.
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
    public override bool CanWrite => false;

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
        Span<byte> one = stackalloc byte[1];
        Read(one);
        return one[0];
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
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
