using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;

namespace WebSocketProtocol.Tests.Extensions.Deflate;

/// <summary>
/// The platform's zlib as the receiving end of permessage-deflate: one DEFLATE stream for a whole connection, each message's
/// payload fed in with the tail put back (RFC 7692 section 7.2.2) and inflated as far as it goes. Context taken over or
/// not, one stream decodes it.
/// </summary>
internal sealed class ZlibReceiver : IDisposable
{
    private static readonly byte[] Tail = { 0x00, 0x00, 0xFF, 0xFF };

    private readonly FeedStream _feed = new();
    private readonly DeflateStream _inflate;

    public ZlibReceiver() => _inflate = new DeflateStream(_feed, CompressionMode.Decompress);

    /// <summary>Inflates one message's payload; zlib's errors surface as <see cref="InvalidDataException"/>.</summary>
    public byte[] Receive(byte[] payload)
    {
        _feed.Add(payload);
        _feed.Add(Tail);
        var message = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = _inflate.Read(buffer)) > 0)
        {
            message.Write(buffer, 0, read);
        }

        return message.ToArray();
    }

    public void Dispose() => _inflate.Dispose();

    /// <summary>A stream of the bytes added so far: a read past them returns 0, and a later read sees what was added since.</summary>
    private sealed class FeedStream : Stream
    {
        private readonly Queue<byte[]> _chunks = new();
        private int _offset;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public void Add(byte[] bytes) => _chunks.Enqueue(bytes);

        public override int Read(byte[] buffer, int offset, int count)
        {
            int read = 0;
            while (read < count && _chunks.Count > 0)
            {
                byte[] chunk = _chunks.Peek();
                int take = Math.Min(count - read, chunk.Length - _offset);
                chunk.AsSpan(_offset, take).CopyTo(buffer.AsSpan(offset + read));
                read += take;
                _offset += take;
                if (_offset == chunk.Length)
                {
                    _chunks.Dequeue();
                    _offset = 0;
                }
            }

            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
