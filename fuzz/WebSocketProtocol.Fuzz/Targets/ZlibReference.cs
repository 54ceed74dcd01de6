using System;
using System.IO;
using System.IO.Compression;

namespace WebSocketProtocol.Fuzz.Targets;

/// <summary>
/// The platform's zlib (<see cref="DeflateStream"/>, raw DEFLATE with a 32 KiB window) as the reference inflater. Its input
/// is handed over one byte per read, so how many bytes it took before the stream's final block ended is known exactly.
/// </summary>
internal sealed class ZlibReference
{
    private ZlibReference(byte[] output, bool failed, bool ended, int consumed)
    {
        Output = output;
        Failed = failed;
        Ended = ended;
        Consumed = consumed;
    }

    /// <summary>What zlib inflated (up to the limit given).</summary>
    public byte[] Output { get; }

    /// <summary>Whether zlib found the data invalid.</summary>
    public bool Failed { get; }

    /// <summary>Whether a final block ended the stream (zlib reads nothing after it).</summary>
    public bool Ended { get; }

    /// <summary>The input bytes zlib took; when <see cref="Ended"/>, the stream's length.</summary>
    public int Consumed { get; }

    /// <summary>Whether <see cref="Output"/> stopped at the limit rather than at the end of the data.</summary>
    public bool HitLimit { get; private init; }

    public static ZlibReference Inflate(byte[] data, int limit)
    {
        var source = new TrickleStream(data);
        var output = new MemoryStream();
        bool failed = false;
        bool hitLimit = false;
        using (var inflate = new DeflateStream(source, CompressionMode.Decompress))
        {
            byte[] buffer = new byte[4096];
            try
            {
                int read;
                while ((read = inflate.Read(buffer, 0, buffer.Length)) > 0)
                {
                    output.Write(buffer, 0, read);
                    if (output.Length >= limit)
                    {
                        hitLimit = true;
                        break;
                    }
                }
            }
            catch (InvalidDataException)
            {
                failed = true;
            }
        }

        // A stream that stopped before the end of the data stopped at its final block. One that took every byte may have
        // ended on the last one or be cut short: the probe byte it is offered tells, as a finished stream reads no more.
        bool ended = !failed && !hitLimit && source.Taken < data.Length;
        if (!failed && !hitLimit && source.Taken == data.Length)
        {
            var probe = new TrickleStream(data, extra: 1);
            using var again = new DeflateStream(probe, CompressionMode.Decompress);
            byte[] sink = new byte[4096];
            try
            {
                while (again.Read(sink, 0, sink.Length) > 0)
                {
                }
            }
            catch (InvalidDataException)
            {
            }

            ended = probe.Taken == data.Length;
        }

        return new ZlibReference(output.ToArray(), failed, ended, source.Taken) { HitLimit = hitLimit };
    }

    /// <summary>Gives its bytes (then <c>extra</c> zero bytes) one per read, counting what was taken.</summary>
    private sealed class TrickleStream : Stream
    {
        private readonly byte[] _data;
        private readonly int _extra;

        public TrickleStream(byte[] data, int extra = 0)
        {
            _data = data;
            _extra = extra;
        }

        public int Taken { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (count == 0 || Taken >= _data.Length + _extra)
            {
                return 0;
            }

            buffer[offset] = Taken < _data.Length ? _data[Taken] : (byte)0;
            Taken++;
            return 1;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
