using System.IO;
using System.IO.Pipelines;

namespace WebSocketProtocol.AspNetCore;

/// <summary>
/// Pipes over the stream an upgrade or extended CONNECT hands over. Kestrel's own request and response pipes are not an
/// alternative: after the switch it answers the request pipe with an empty body and fails writes to the response pipe,
/// and the stream is the one documented way to the connection's bytes.
/// </summary>
internal static class UpgradedStreamPipes
{
    // Each read copies what the server has buffered into one pooled block; 16 KiB takes a large frame in a few reads and
    // costs a small message nothing more, because the block is rented only once bytes have arrived (below).
    private const int ReadBufferSize = 16 * 1024;

    // A block with less room than this left is not read into; a fresh one is taken.
    private const int MinimumReadSize = 4 * 1024;

    // A frame asks for its header and payload in one span, so a large frame gets one block of its size and one write into
    // the server; small frames share blocks of this size until the flush that ends each frame.
    private const int MinimumWriteBufferSize = 4 * 1024;

    /// <summary>
    /// Wraps <paramref name="transport"/>. Reads wait with a zero-byte read before renting a block, so an idle connection
    /// holds no read buffer. The server owns the stream, which lives as long as the request: completing the pipes leaves it open.
    /// </summary>
    public static (PipeReader Input, PipeWriter Output) Create(Stream transport)
    {
        PipeReader input = PipeReader.Create(transport, new StreamPipeReaderOptions(bufferSize: ReadBufferSize, minimumReadSize: MinimumReadSize, leaveOpen: true, useZeroByteReads: true));
        PipeWriter output = PipeWriter.Create(transport, new StreamPipeWriterOptions(minimumBufferSize: MinimumWriteBufferSize, leaveOpen: true));
        return (input, output);
    }
}
