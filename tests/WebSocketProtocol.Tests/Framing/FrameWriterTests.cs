using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.IO.Pipelines;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Framing;
using WebSocketProtocol.Tests.Support;
using Xunit;

namespace WebSocketProtocol.Tests.Framing;

public class FrameWriterTests
{
    private static byte[] Payload(int length) => Enumerable.Range(0, length).Select(i => (byte)(i * 13)).ToArray();

    private static async Task<List<(FrameHeader Header, byte[] Payload)>> ReadBackAsync(byte[] wire, WebSocketRole readerRole)
    {
        var reader = new FrameReader(new ChunkedPipeReader(new[] { wire }), new FrameReaderOptions(readerRole) { MaxFramePayloadLength = 1 << 24 });
        return await FrameBytes.ReadAllAsync(reader);
    }

    [Fact]
    public async Task Client_frames_are_masked_with_a_different_key_each_and_the_callers_payload_is_untouched()
    {
        byte[] payload = Payload(64);
        byte[] original = (byte[])payload.Clone();
        var output = new ArrayBufferWriter<byte>();
        var writer = new FrameWriter(output, WebSocketRole.Client);

        for (int i = 0; i < 200; i++)
        {
            writer.WriteFrame(Opcode.Binary, payload);
        }

        Assert.Equal(original, payload);
        var frames = await ReadBackAsync(output.WrittenSpan.ToArray(), WebSocketRole.Server);
        Assert.Equal(200, frames.Count);
        Assert.All(frames, f => Assert.Equal(original, f.Payload));
        Assert.All(frames, f => Assert.True(f.Header.IsMasked));
        // 200 keys drawn from a CSPRNG: a repeat is a 1-in-10^5 event at worst, a constant key would repeat every time.
        Assert.True(frames.Select(f => f.Header.MaskKey).Distinct().Count() >= 199);
    }

    [Fact]
    public async Task Server_frames_are_never_masked()
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new FrameWriter(output, WebSocketRole.Server);
        writer.WriteFrame(Opcode.Text, "hi"u8);
        writer.WritePing("p"u8);

        var frames = await ReadBackAsync(output.WrittenSpan.ToArray(), WebSocketRole.Client);
        Assert.All(frames, f => Assert.False(f.Header.IsMasked));
    }

    [Theory]
    [InlineData(WebSocketRole.Server, 200_000)]
    [InlineData(WebSocketRole.Client, 200_000)]
    [InlineData(WebSocketRole.Client, 5)]
    public async Task A_frame_larger_than_the_writers_buffer_is_written_in_pieces_and_reads_back_whole(WebSocketRole role, int length)
    {
        var pipe = FrameBytes.UnboundedPipe();
        var writer = new FrameWriter(pipe.Writer, role);
        byte[] payload = Payload(length);

        writer.WriteFrame(Opcode.Binary, payload, isFinal: false, ReservedBits.Rsv1);
        await pipe.Writer.CompleteAsync();

        var options = new FrameReaderOptions(role == WebSocketRole.Server ? WebSocketRole.Client : WebSocketRole.Server)
        {
            MaxFramePayloadLength = 1 << 20,
            AllowedReservedBits = ReservedBits.Rsv1,
        };
        var (header, read) = Assert.Single(await FrameBytes.ReadAllAsync(new FrameReader(pipe.Reader, options)));
        Assert.Equal(payload, read);
        Assert.False(header.IsFinal);
        Assert.Equal(ReservedBits.Rsv1, header.ReservedBits);
    }

    [Theory]
    [InlineData(WebSocketRole.Server)]
    [InlineData(WebSocketRole.Client)]
    public async Task A_payload_streamed_after_a_header_only_write_reads_back_as_one_frame(WebSocketRole role)
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new FrameWriter(output, role);
        byte[] payload = Payload(10_001);

        writer.WriteHeader(Opcode.Binary, payload.Length);
        for (int offset = 0; offset < payload.Length; offset += 333)
        {
            Assert.Equal(payload.Length - offset, writer.PendingPayloadLength);
            writer.WritePayload(payload.AsSpan(offset, Math.Min(333, payload.Length - offset)));
        }

        writer.WriteFrame(Opcode.Text, "after"u8);

        var frames = await ReadBackAsync(output.WrittenSpan.ToArray(), role == WebSocketRole.Server ? WebSocketRole.Client : WebSocketRole.Server);
        Assert.Equal(payload, frames[0].Payload);
        Assert.Equal("after", Encoding.UTF8.GetString(frames[1].Payload));
    }

    [Fact]
    public void A_new_frame_before_the_streamed_payload_is_complete_is_refused_and_so_is_an_overlong_piece()
    {
        var writer = new FrameWriter(new ArrayBufferWriter<byte>(), WebSocketRole.Server);
        writer.WriteHeader(Opcode.Binary, 10);
        writer.WritePayload(new byte[4]);

        Assert.Throws<InvalidOperationException>(() => writer.WriteFrame(Opcode.Binary, new byte[1]));
        Assert.Throws<ArgumentException>(() => writer.WritePayload(new byte[7]));
        writer.WritePayload(new byte[6]);
        writer.WriteFrame(Opcode.Binary, new byte[1]);
    }

    [Fact]
    public void Control_frames_over_125_bytes_fragmented_control_frames_and_reserved_opcodes_are_refused()
    {
        var writer = new FrameWriter(new ArrayBufferWriter<byte>(), WebSocketRole.Client);

        Assert.Throws<ArgumentException>(() => writer.WritePing(new byte[126]));
        Assert.Throws<ArgumentException>(() => writer.WriteFrame(Opcode.Pong, new byte[1], isFinal: false));
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.WriteFrame((Opcode)0xB, new byte[1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PreparedFrame((Opcode)0x3, new byte[1]));
        writer.WritePing(new byte[125]);
    }

    [Fact]
    public async Task A_close_frame_carries_the_code_big_endian_then_the_UTF8_reason()
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new FrameWriter(output, WebSocketRole.Server);

        writer.WriteClose(CloseStatus.GoingAway, "bye ünïcode");
        writer.WriteClose((CloseStatus)4321, "x"u8);
        writer.WriteClose(CloseStatus.NormalClosure);
        writer.WriteClose();

        var frames = await ReadBackAsync(output.WrittenSpan.ToArray(), WebSocketRole.Client);
        Assert.All(frames, f => Assert.Equal(Opcode.Close, f.Header.Opcode));
        Assert.Equal(1001, BinaryPrimitives.ReadUInt16BigEndian(frames[0].Payload));
        Assert.Equal("bye ünïcode", Encoding.UTF8.GetString(frames[0].Payload[2..]));
        Assert.Equal(4321, BinaryPrimitives.ReadUInt16BigEndian(frames[1].Payload));
        Assert.Equal(new byte[] { 0x03, 0xE8 }, frames[2].Payload);
        Assert.Empty(frames[3].Payload);
    }

    [Fact]
    public void A_close_reason_of_123_bytes_is_accepted_and_124_refused()
    {
        var writer = new FrameWriter(new ArrayBufferWriter<byte>(), WebSocketRole.Client);

        writer.WriteClose(CloseStatus.NormalClosure, new string('a', 123));
        writer.WriteClose(CloseStatus.NormalClosure, new string('é', 61) + "a");
        Assert.Throws<ArgumentException>(() => writer.WriteClose(CloseStatus.NormalClosure, new string('a', 124)));
        Assert.Throws<ArgumentException>(() => writer.WriteClose(CloseStatus.NormalClosure, new string('é', 62)));
        Assert.Throws<ArgumentException>(() => writer.WriteClose(CloseStatus.NormalClosure, new byte[124].AsSpan()));
        Assert.Equal(123, FrameWriter.MaxCloseReasonLength);
    }

    [Fact]
    public void A_close_reason_with_an_unpaired_surrogate_is_refused()
    {
        var writer = new FrameWriter(new ArrayBufferWriter<byte>(), WebSocketRole.Server);

        Assert.ThrowsAny<ArgumentException>(() => writer.WriteClose(CloseStatus.NormalClosure, "bad \ud800 half"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(999)]
    [InlineData(1004)]
    [InlineData(1005)]
    [InlineData(1006)]
    [InlineData(1015)]
    [InlineData(1016)]
    [InlineData(2999)]
    [InlineData(5000)]
    public void Close_codes_that_may_not_appear_on_the_wire_are_refused(int code)
    {
        var writer = new FrameWriter(new ArrayBufferWriter<byte>(), WebSocketRole.Server);

        Assert.Throws<ArgumentOutOfRangeException>(() => writer.WriteClose((CloseStatus)code));
    }

    [Fact]
    public async Task A_prepared_frame_is_written_as_the_same_bytes_by_every_server_and_masked_afresh_by_a_client()
    {
        var prepared = new PreparedFrame(Opcode.Text, "broadcast"u8);
        var first = new ArrayBufferWriter<byte>();
        var second = new ArrayBufferWriter<byte>();
        new FrameWriter(first, WebSocketRole.Server).WritePrepared(prepared);
        new FrameWriter(second, WebSocketRole.Server).WritePrepared(prepared);

        Assert.Equal(prepared.Encoded.ToArray(), first.WrittenSpan.ToArray());
        Assert.Equal(prepared.Encoded.ToArray(), second.WrittenSpan.ToArray());
        Assert.Equal(new byte[] { 0x81, 9 }.Concat("broadcast"u8.ToArray()), prepared.Encoded.ToArray());

        var client = new ArrayBufferWriter<byte>();
        new FrameWriter(client, WebSocketRole.Client).WritePrepared(prepared);
        var (header, payload) = Assert.Single(await ReadBackAsync(client.WrittenSpan.ToArray(), WebSocketRole.Server));
        Assert.True(header.IsMasked);
        Assert.Equal("broadcast", Encoding.UTF8.GetString(payload));
    }

    [Fact]
    public void Writing_a_frame_uses_one_span_and_one_advance()
    {
        var output = new CountingBufferWriter();
        var writer = new FrameWriter(output, WebSocketRole.Client);

        writer.WriteFrame(Opcode.Binary, new byte[1000]);

        Assert.Equal(1, output.GetSpanCalls);
        Assert.Equal(1, output.AdvanceCalls);
        Assert.Equal(1000 + 8, output.Written);
    }

    [Theory]
    [InlineData(WebSocketRole.Server)]
    [InlineData(WebSocketRole.Client)]
    public async Task A_large_frame_into_a_pipe_fills_the_pipes_own_blocks_rather_than_one_outsized_buffer(WebSocketRole role)
    {
        var pool = new SmallBlockPool();
        var pipe = new Pipe(new PipeOptions(pool, pauseWriterThreshold: 0, useSynchronizationContext: false));
        byte[] payload = Payload(64 * 1024);

        new FrameWriter(pipe.Writer, role).WriteFrame(Opcode.Binary, payload);
        await pipe.Writer.FlushAsync();
        ReadResult read = await pipe.Reader.ReadAsync();

        // A span the pool cannot serve would come from elsewhere, as one segment of the whole frame.
        foreach (ReadOnlyMemory<byte> segment in read.Buffer)
        {
            Assert.InRange(segment.Length, 0, SmallBlockPool.BlockSize);
        }

        Assert.InRange(pool.Rents, payload.Length / SmallBlockPool.BlockSize, int.MaxValue);
        var (header, written) = Assert.Single(await ReadBackAsync(read.Buffer.ToArray(), role == WebSocketRole.Server ? WebSocketRole.Client : WebSocketRole.Server));
        Assert.Equal(payload.Length, header.PayloadLength);
        Assert.Equal(payload, written);
        pipe.Reader.AdvanceTo(read.Buffer.End);
    }

    [Fact]
    public async Task A_large_frame_into_a_streams_pipe_writer_goes_out_in_one_write()
    {
        var stream = new WriteCountingStream();
        PipeWriter output = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 4096, leaveOpen: true));
        byte[] payload = Payload(64 * 1024);

        new FrameWriter(output, WebSocketRole.Server).WriteFrame(Opcode.Binary, payload);
        await output.FlushAsync();

        Assert.Equal(1, stream.Writes);
        var (_, written) = Assert.Single(await ReadBackAsync(stream.ToArray(), WebSocketRole.Client));
        Assert.Equal(payload, written);
    }

    /// <summary>A pool of 4 KiB blocks, as Kestrel's transport has by default, that counts what it hands out.</summary>
    private sealed class SmallBlockPool : MemoryPool<byte>
    {
        public const int BlockSize = 4096;

        public int Rents { get; private set; }

        public override int MaxBufferSize => BlockSize;

        public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
        {
            Assert.InRange(minBufferSize, -1, BlockSize);
            Rents++;
            return new Block();
        }

        protected override void Dispose(bool disposing)
        {
        }

        private sealed class Block : IMemoryOwner<byte>
        {
            public Memory<byte> Memory { get; } = new byte[BlockSize];

            public void Dispose()
            {
            }
        }
    }

    /// <summary>A write-only stream that keeps what it is given and counts the calls that gave it.</summary>
    private sealed class WriteCountingStream : Stream
    {
        private readonly MemoryStream _written = new();

        public int Writes { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public byte[] ToArray() => _written.ToArray();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            Writes++;
            _written.Write(buffer);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Write(buffer.AsSpan(offset, count));
            return Task.CompletedTask;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return default;
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }

    private sealed class CountingBufferWriter : IBufferWriter<byte>
    {
        private readonly byte[] _buffer = new byte[1 << 16];

        public int GetSpanCalls { get; private set; }

        public int AdvanceCalls { get; private set; }

        public int Written { get; private set; }

        public void Advance(int count)
        {
            AdvanceCalls++;
            Written += count;
        }

        public Memory<byte> GetMemory(int sizeHint = 0) => _buffer.AsMemory(Written);

        public Span<byte> GetSpan(int sizeHint = 0)
        {
            GetSpanCalls++;
            return _buffer.AsSpan(Written);
        }
    }
}
