using System;
using System.Buffers;
using System.IO.Pipelines;
using System.Threading.Tasks;
using WebSocketProtocol.Framing;
using WebSocketProtocol.Tests.Support;
using Xunit;

namespace WebSocketProtocol.Tests.Framing;

/// <summary>Steady-state framing allocates nothing: asserted on this thread's allocation counter, not on time.</summary>
public class FramingAllocationTests
{
    private const int FramesPerBatch = 64;

    /// <summary>Writes a batch of frames through a real pipe and reads them back; returns the payload bytes read.</summary>
    private static long RoundTripBatch(FrameWriter writer, Pipe pipe, FrameReader reader, byte[] payload, int payloadLength, byte[] destination, bool inPieces)
    {
        for (int i = 0; i < FramesPerBatch; i++)
        {
            // Every eighth frame is a full-size ping, so control frames are in the steady state too.
            writer.WriteFrame(i % 8 == 0 ? Opcode.Ping : Opcode.Binary, payload.AsSpan(0, i % 8 == 0 ? 125 : payloadLength));
        }

        ValueTask<FlushResult> flush = pipe.Writer.FlushAsync();
        Assert.True(flush.IsCompletedSuccessfully);

        long total = 0;
        for (int i = 0; i < FramesPerBatch; i++)
        {
            if (inPieces)
            {
                ValueTask<bool> header = reader.ReadHeaderAsync();
                Assert.True(header.IsCompletedSuccessfully && header.Result);
                while (true)
                {
                    ValueTask<bool> piece = reader.ReadPayloadAsync();
                    Assert.True(piece.IsCompletedSuccessfully);
                    if (!piece.Result)
                    {
                        break;
                    }

                    total += reader.Current.CopyPayloadTo(destination);
                }
            }
            else
            {
                ValueTask<bool> read = reader.ReadFrameAsync();
                Assert.True(read.IsCompletedSuccessfully && read.Result);
                total += reader.Current.CopyPayloadTo(destination);
            }
        }

        return total;
    }

    [Theory]
    [InlineData(WebSocketRole.Client, 16, false)]
    [InlineData(WebSocketRole.Client, 1024, false)]
    [InlineData(WebSocketRole.Server, 16, false)]
    [InlineData(WebSocketRole.Server, 1024, false)]
    [InlineData(WebSocketRole.Client, 1024, true)]
    [InlineData(WebSocketRole.Server, 300, true)]
    public void Writing_and_reading_frames_through_a_pipe_allocates_nothing_in_steady_state(WebSocketRole writerRole, int payloadLength, bool inPieces)
    {
        var pipe = new Pipe(new PipeOptions(pool: new PrivateMemoryPool(), useSynchronizationContext: false, pauseWriterThreshold: 1 << 20, resumeWriterThreshold: 1 << 19));
        var writer = new FrameWriter(pipe.Writer, writerRole);
        var readerRole = writerRole == WebSocketRole.Client ? WebSocketRole.Server : WebSocketRole.Client;
        var reader = new FrameReader(pipe.Reader, new FrameReaderOptions(readerRole));
        byte[] payload = new byte[Math.Max(payloadLength, 125)];
        byte[] destination = new byte[payload.Length];

        // Warm up: fill the pipe's segment pool, the mask key batch and the pooled async builders.
        long bytes = 0;
        long allocated = SteadyState.AllocatedBytes(
            () => bytes += RoundTripBatch(writer, pipe, reader, payload, payloadLength, destination, inPieces),
            warmup: 50,
            iterations: 200);

        Assert.True(bytes > 0);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Parsing_formatting_and_masking_allocate_nothing()
    {
        var header = new FrameHeader(Opcode.Binary, 70_000, isMasked: true, maskKey: 0x12345678);
        byte[] wire = new byte[FrameHeader.MaxEncodedLength];
        byte[] data = new byte[4096];
        byte[] target = new byte[4096];
        var split = new ReadOnlySequence<byte>(wire);
        RunOnce();

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            RunOnce();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        void RunOnce()
        {
            // Plain checks: xunit's Assert.Equal boxes structs, which would count against the code under test.
            header.Write(wire);
            bool ok = FrameHeader.TryParse(wire, out FrameHeader parsed, out _)
                && FrameHeader.TryParse(split, out FrameHeader fromSequence, out _)
                && parsed == fromSequence
                && FrameHeaderValidator.Validate(parsed, Options) == ProtocolError.None;
            if (!ok)
            {
                throw new InvalidOperationException("The header did not round-trip.");
            }

            int phase = PayloadMask.Apply(data, parsed.MaskKey, 1);
            PayloadMask.Apply(data, target, parsed.MaskKey, phase);
        }
    }

    private static readonly FrameReaderOptions Options = new(WebSocketRole.Server) { MaxFramePayloadLength = 1 << 20 };

    [Fact]
    public void Writing_prepared_frames_and_close_frames_allocates_nothing()
    {
        var prepared = new PreparedFrame(Opcode.Text, new byte[500]);
        var output = new ArrayBufferWriter<byte>(1 << 16);
        var server = new FrameWriter(output, WebSocketRole.Server);
        var client = new FrameWriter(output, WebSocketRole.Client);
        byte[] streamed = new byte[10];
        Write();

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 500; i++)
        {
            Write();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        void Write()
        {
            output.ResetWrittenCount();
            server.WritePrepared(prepared);
            client.WritePrepared(prepared);
            server.WriteClose(CloseStatus.GoingAway, "server shutting down");
            client.WritePong("pong"u8);
            client.WriteHeader(Opcode.Binary, 10);
            client.WritePayload(streamed);
        }
    }
}
