using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO.Pipelines;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Framing;
using WebSocketProtocol.Tests.Support;
using Xunit;

namespace WebSocketProtocol.Tests.Framing;

public class FrameReaderTests
{
    private static byte[] Payload(int length) => Enumerable.Range(0, length).Select(i => (byte)(i ^ (i >> 8))).ToArray();

    private static byte[] ClientFrame(Opcode opcode, byte[] payload, bool fin = true, uint key = 0x0badf00d) =>
        FrameBytes.Encode(new FrameHeader(opcode, payload.Length, fin, isMasked: true, maskKey: key), payload);

    private static FrameReader ServerReader(PipeReader input, long max = FrameReaderOptions.DefaultMaxFramePayloadLength) =>
        new(input, new FrameReaderOptions(WebSocketRole.Server) { MaxFramePayloadLength = max });

    [Fact]
    public async Task Frames_fed_one_byte_per_segment_read_back_identical_without_a_reparse_storm()
    {
        byte[][] payloads = { Payload(0), Payload(5), Payload(126), Payload(70000) };
        byte[] wire = FrameBytes.Concat(payloads.Select(p => ClientFrame(Opcode.Binary, p)));
        var chunks = SegmentedSequence.SplitIntoBytes(wire);
        var input = new ChunkedPipeReader(chunks);

        var frames = await FrameBytes.ReadAllAsync(ServerReader(input));

        Assert.Equal(payloads, frames.Select(f => f.Payload));
        // Each read waits for a new chunk: one read per chunk plus the final one that sees the end.
        Assert.True(input.ReadCalls <= chunks.Count + 1, $"{input.ReadCalls} reads for {chunks.Count} chunks");
    }

    [Fact]
    public async Task Frames_already_buffered_are_handed_out_without_reading_the_pipe_again()
    {
        byte[] wire = FrameBytes.Concat(Enumerable.Range(0, 50).Select(i => ClientFrame(Opcode.Text, Payload(i))));
        var input = new ChunkedPipeReader(new[] { wire });
        var reader = ServerReader(input);

        for (int i = 0; i < 50; i++)
        {
            Assert.True(await reader.ReadFrameAsync());
            Assert.Equal(i, reader.Current.Header.PayloadLength);
        }

        Assert.Equal(1, input.ReadCalls);
        Assert.False(await reader.ReadFrameAsync());
    }

    [Fact]
    public async Task A_payload_is_a_zero_copy_slice_of_the_pipe_buffer_left_masked_and_unmodified()
    {
        byte[] payload = Payload(40);
        byte[] wire = ClientFrame(Opcode.Binary, payload);
        var reader = ServerReader(new ChunkedPipeReader(new[] { wire }));

        Assert.True(await reader.ReadFrameAsync());
        Frame frame = reader.Current;

        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(frame.Payload.First, out ArraySegment<byte> segment));
        Assert.Same(wire, segment.Array);
        Assert.Equal(6, segment.Offset);
        Assert.Equal(wire[6..], frame.Payload.ToArray());
        var unmasked = new byte[40];
        Assert.Equal(40, frame.CopyPayloadTo(unmasked));
        Assert.Equal(payload, unmasked);
        Assert.Equal(wire[6..], frame.Payload.ToArray());
    }

    [Fact]
    public async Task A_large_frame_is_taken_in_pieces_as_they_arrive_without_waiting_for_the_whole_frame()
    {
        byte[] payload = Payload(100_000);
        byte[] wire = ClientFrame(Opcode.Binary, payload);
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 16 * 1024, resumeWriterThreshold: 8 * 1024, useSynchronizationContext: false));
        var reader = ServerReader(pipe.Reader, max: 1 << 20);

        // Only the header and the first 1000 payload bytes are sent: the first piece must still arrive.
        await pipe.Writer.WriteAsync(wire.AsMemory(0, 14 + 1000));
        Assert.True(await reader.ReadHeaderAsync());
        Assert.Equal(100_000, reader.Current.Header.PayloadLength);
        Assert.True(await reader.ReadPayloadAsync());
        Assert.Equal(0, reader.Current.PayloadOffset);
        Assert.Equal(1000, reader.Current.Payload.Length);
        var received = new byte[payload.Length];
        reader.Current.CopyPayloadTo(received);

        // The rest goes through a pipe that pauses at 16 KiB, which a whole-frame read could never get past.
        Task writing = Task.Run(async () =>
        {
            for (int offset = 1014; offset < wire.Length; offset += 3000)
            {
                await pipe.Writer.WriteAsync(wire.AsMemory(offset, Math.Min(3000, wire.Length - offset)));
            }

            await pipe.Writer.CompleteAsync();
        });

        int pieces = 1;
        while (await reader.ReadPayloadAsync())
        {
            Frame piece = reader.Current;
            Assert.True(piece.Payload.Length <= 64 * 1024);
            piece.CopyPayloadTo(received.AsSpan((int)piece.PayloadOffset));
            pieces++;
            if (piece.IsPayloadComplete)
            {
                Assert.Equal(payload.Length, piece.PayloadOffset + piece.Payload.Length);
            }
        }

        // The reader advances the pipe only on its next read, so the writer, which may be paused on the last bytes, is
        // awaited after that read and not before it (awaiting it first could wait for ever).
        Assert.False(await reader.ReadHeaderAsync());
        await writing;
        Assert.Equal(payload, received);
        Assert.True(pieces > 2);
    }

    private static byte[] Unmasked(in Frame frame)
    {
        var bytes = new byte[frame.Payload.Length];
        frame.CopyPayloadTo(bytes);
        return bytes;
    }

    [Fact]
    public async Task A_frame_over_the_limit_fails_with_1009_from_its_header_before_any_payload_arrives()
    {
        var header = new FrameHeader(Opcode.Binary, 2_000_000, isMasked: true, maskKey: 7);
        var headerBytes = new byte[header.EncodedLength];
        header.Write(headerBytes);
        var pipe = FrameBytes.UnboundedPipe();
        await pipe.Writer.WriteAsync(headerBytes);
        var reader = ServerReader(pipe.Reader, max: 1_000_000);

        // Only the header was sent and the writer stays open: the error must not wait for the payload.
        Task<bool> read = reader.ReadFrameAsync().AsTask();
        var error = await Assert.ThrowsAsync<WebSocketProtocolException>(() => read.WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.Equal(ProtocolError.FrameTooLarge, error.Error);
        Assert.Equal(CloseStatus.MessageTooBig, error.CloseStatus);
    }

    [Fact]
    public async Task A_header_claiming_2_pow_63_minus_1_bytes_fails_with_1009_at_once()
    {
        byte[] wire = { 0x82, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3, 4 };
        var reader = ServerReader(new ChunkedPipeReader(new[] { wire }));

        var error = await Assert.ThrowsAsync<WebSocketProtocolException>(() => reader.ReadHeaderAsync().AsTask());

        Assert.Equal(ProtocolError.FrameTooLarge, error.Error);
    }

    [Fact]
    public async Task A_reader_that_failed_keeps_failing_with_the_same_error()
    {
        byte[] wire = FrameBytes.Concat(new[] { FrameBytes.Encode(new FrameHeader(Opcode.Text, 1), new byte[] { 65 }), ClientFrame(Opcode.Text, Payload(1)) });
        var reader = ServerReader(new ChunkedPipeReader(new[] { wire }));

        var first = await Assert.ThrowsAsync<WebSocketProtocolException>(() => reader.ReadFrameAsync().AsTask());
        var second = await Assert.ThrowsAsync<WebSocketProtocolException>(() => reader.ReadFrameAsync().AsTask());

        Assert.Equal(ProtocolError.UnmaskedFrameFromClient, first.Error);
        Assert.Equal(ProtocolError.UnmaskedFrameFromClient, second.Error);
    }

    [Fact]
    public async Task Frames_before_a_bad_one_are_delivered_before_the_error()
    {
        byte[] wire = FrameBytes.Concat(new[]
        {
            ClientFrame(Opcode.Text, Payload(3)),
            ClientFrame(Opcode.Binary, Payload(4)),
            ClientFrame((Opcode)0x3, Payload(1)),
        });
        var reader = ServerReader(new ChunkedPipeReader(new[] { wire }));

        Assert.True(await reader.ReadFrameAsync());
        Assert.Equal(Opcode.Text, reader.Current.Header.Opcode);
        Assert.True(await reader.ReadFrameAsync());
        Assert.Equal(Opcode.Binary, reader.Current.Header.Opcode);
        var error = await Assert.ThrowsAsync<WebSocketProtocolException>(() => reader.ReadFrameAsync().AsTask());
        Assert.Equal(ProtocolError.ReservedOpcode, error.Error);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(9)]
    public async Task Input_ending_inside_a_frame_is_a_truncated_frame_not_a_clean_end(int cut)
    {
        byte[] wire = ClientFrame(Opcode.Binary, Payload(10));
        var reader = ServerReader(new ChunkedPipeReader(new[] { wire[..cut] }));

        var error = await Assert.ThrowsAsync<WebSocketProtocolException>(() => reader.ReadFrameAsync().AsTask());

        Assert.Equal(ProtocolError.TruncatedFrame, error.Error);
        Assert.Equal(CloseStatus.AbnormalClosure, error.CloseStatus);
    }

    [Fact]
    public async Task Input_ending_inside_a_streamed_payload_is_a_truncated_frame()
    {
        byte[] wire = ClientFrame(Opcode.Binary, Payload(300));
        var reader = ServerReader(new ChunkedPipeReader(new[] { wire[..100] }));

        Assert.True(await reader.ReadHeaderAsync());
        Assert.True(await reader.ReadPayloadAsync());
        var error = await Assert.ThrowsAsync<WebSocketProtocolException>(() => reader.ReadPayloadAsync().AsTask());
        Assert.Equal(ProtocolError.TruncatedFrame, error.Error);
    }

    [Fact]
    public async Task Input_ending_between_frames_is_a_clean_end()
    {
        var reader = ServerReader(new ChunkedPipeReader(new[] { ClientFrame(Opcode.Text, Payload(2)) }));

        Assert.True(await reader.ReadFrameAsync());
        Assert.False(await reader.ReadFrameAsync());
        Assert.False(await reader.ReadHeaderAsync());
    }

    [Fact]
    public async Task Reading_a_new_frame_before_the_streamed_payload_is_finished_is_refused()
    {
        var reader = ServerReader(new ChunkedPipeReader(new[] { ClientFrame(Opcode.Text, Payload(20)) }));

        Assert.True(await reader.ReadHeaderAsync());
        Assert.Throws<InvalidOperationException>(() => { _ = reader.ReadFrameAsync(); });
        Assert.Throws<InvalidOperationException>(() => { _ = reader.ReadHeaderAsync(); });
    }

    [Fact]
    public async Task An_empty_payload_has_no_pieces()
    {
        var reader = ServerReader(new ChunkedPipeReader(new[] { ClientFrame(Opcode.Ping, Array.Empty<byte>()), ClientFrame(Opcode.Text, Payload(1)) }));

        Assert.True(await reader.ReadHeaderAsync());
        Assert.False(await reader.ReadPayloadAsync());
        Assert.True(await reader.ReadFrameAsync());
        Assert.Equal(Opcode.Text, reader.Current.Header.Opcode);
    }

    [Fact]
    public async Task A_canceled_wait_throws_operation_canceled()
    {
        var pipe = FrameBytes.UnboundedPipe();
        var reader = ServerReader(pipe.Reader);
        using var cts = new CancellationTokenSource();

        ValueTask<bool> read = reader.ReadFrameAsync(cts.Token);
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read.AsTask());
    }

    [Fact]
    public async Task Release_input_hands_the_unread_bytes_back_to_the_pipe()
    {
        byte[] first = ClientFrame(Opcode.Text, Payload(3));
        byte[] rest = { 1, 2, 3, 4, 5 };
        var pipe = FrameBytes.UnboundedPipe();
        await pipe.Writer.WriteAsync(first.Concat(rest).ToArray());
        var reader = ServerReader(pipe.Reader);

        Assert.True(await reader.ReadFrameAsync());
        reader.ReleaseInput();

        ReadResult result = await pipe.Reader.ReadAsync();
        Assert.Equal(rest, result.Buffer.ToArray());
        pipe.Reader.AdvanceTo(result.Buffer.End);
    }

    [Fact]
    public async Task Frames_written_through_a_real_pipe_in_random_pieces_by_another_task_read_back_identical()
    {
        var random = new Random(1234);
        var payloads = Enumerable.Range(0, 200).Select(i => Payload(random.Next(0, i % 10 == 0 ? 70_000 : 300))).ToList();
        byte[] wire = FrameBytes.Concat(payloads.Select(p => ClientFrame(p.Length % 2 == 0 ? Opcode.Binary : Opcode.Text, p, key: (uint)random.Next())));
        var pipe = FrameBytes.UnboundedPipe();

        Task writing = Task.Run(async () =>
        {
            var writeRandom = new Random(99);
            for (int offset = 0; offset < wire.Length;)
            {
                int count = Math.Min(writeRandom.Next(1, 5000), wire.Length - offset);
                await pipe.Writer.WriteAsync(wire.AsMemory(offset, count));
                offset += count;
            }

            await pipe.Writer.CompleteAsync();
        });

        var frames = await FrameBytes.ReadAllAsync(ServerReader(pipe.Reader));
        await writing;

        Assert.Equal(payloads, frames.Select(f => f.Payload).ToList());
    }
}
