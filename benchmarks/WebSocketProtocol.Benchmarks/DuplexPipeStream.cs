using System;
using System.IO;
using System.IO.Pipelines;
using System.Threading;
using System.Threading.Tasks;

namespace WebSocketProtocol.Benchmarks;

/// <summary>
/// One end of an in-memory duplex transport as a <see cref="Stream"/>: reads come from one pipe, writes go to the other
/// and are flushed at once. It gives ManagedWebSocket, which takes only streams, the same transport our pipes are.
/// </summary>
public sealed class DuplexPipeStream : Stream
{
    private readonly Stream _input;
    private readonly Stream _output;

    /// <summary>Creates the stream over <paramref name="input"/> and <paramref name="output"/>.</summary>
    public DuplexPipeStream(PipeReader input, PipeWriter output)
    {
        _input = input.AsStream(leaveOpen: true);
        _output = output.AsStream(leaveOpen: true);
    }

    /// <inheritdoc />
    public override bool CanRead => true;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override bool CanWrite => true;

    /// <inheritdoc />
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => _input.Read(buffer, offset, count);

    /// <inheritdoc />
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _input.ReadAsync(buffer, cancellationToken);

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => _output.Write(buffer, offset, count);

    /// <inheritdoc />
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        _output.WriteAsync(buffer, cancellationToken);

    /// <inheritdoc />
    public override void Flush()
    {
    }

    /// <inheritdoc />
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();
}
