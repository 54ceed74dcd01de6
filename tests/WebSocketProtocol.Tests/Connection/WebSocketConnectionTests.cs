using System.Net.WebSockets;
using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Connection;
using WebSocketProtocol.Framing;
using Xunit;

namespace WebSocketProtocol.Tests.Connection;

public class WebSocketConnectionTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private static async Task<(Opcode Opcode, byte[] Payload)> ReadFrameAsync(RawPeer peer)
    {
        Assert.True(await peer.Reader.ReadFrameAsync().AsTask().WaitAsync(Bound));
        Frame frame = peer.Reader.Current;
        var payload = new byte[frame.Payload.Length];
        frame.CopyPayloadTo(payload);
        return (frame.Header.Opcode, payload);
    }

    private static async Task<(ushort Code, string Reason)> ReadCloseAsync(RawPeer peer)
    {
        var (opcode, payload) = await ReadFrameAsync(peer);
        Assert.Equal(Opcode.Close, opcode);
        return (BinaryPrimitives.ReadUInt16BigEndian(payload), Encoding.UTF8.GetString(payload.AsSpan(2)));
    }

    [Theory]
    [InlineData(WebSocketMessageType.Text, 0)]
    [InlineData(WebSocketMessageType.Text, 5)]
    [InlineData(WebSocketMessageType.Binary, 70_000)]
    public async Task A_message_sent_by_one_side_is_received_whole_by_the_other_both_ways(WebSocketMessageType type, int length)
    {
        using var pair = new ConnectionPair();
        byte[] payload = Enumerable.Range(0, length).Select(i => (byte)('a' + (i % 26))).ToArray();

        await pair.Client.SendAsync(payload, type);
        WebSocketMessage atServer = await pair.Server.ReceiveMessageAsync().AsTask().WaitAsync(Bound);
        Assert.Equal(type, atServer.MessageType);
        Assert.Equal(payload, atServer.Data.ToArray());

        await pair.Server.SendAsync(atServer.Data, type);
        WebSocketMessage atClient = await pair.Client.ReceiveMessageAsync().AsTask().WaitAsync(Bound);
        Assert.Equal(payload, atClient.Data.ToArray());
    }

    [Fact]
    public async Task A_message_auto_fragmented_by_the_sender_is_streamed_in_pieces_then_reassembled()
    {
        var clientOptions = ConnectionPair.Quiet(WebSocketRole.Client);
        clientOptions.FragmentSize = 1000;
        using var pair = new ConnectionPair(clientOptions: clientOptions);
        byte[] payload = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("héllo wörld 😀 ", 500)));

        await pair.Client.SendAsync(payload, WebSocketMessageType.Text);

        var received = new System.IO.MemoryStream();
        var buffer = new byte[333];
        ReceiveResult result;
        int pieces = 0;
        do
        {
            result = await pair.Server.ReceiveAsync(buffer).AsTask().WaitAsync(Bound);
            received.Write(buffer, 0, result.Count);
            pieces++;
        }
        while (!result.EndOfMessage);

        Assert.Equal(payload, received.ToArray());
        Assert.True(pieces >= payload.Length / 333);
    }

    [Fact]
    public async Task Thirty_two_concurrent_senders_never_interleave_the_frames_of_two_messages()
    {
        var clientOptions = ConnectionPair.Quiet(WebSocketRole.Client);
        clientOptions.FragmentSize = 100;
        using var pair = new ConnectionPair(clientOptions: clientOptions);
        const int Senders = 32;
        const int PerSender = 20;

        Task[] senders = Enumerable.Range(0, Senders).Select(s => Task.Run(async () =>
        {
            for (int m = 0; m < PerSender; m++)
            {
                byte[] message = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat($"[{s:D2}:{m:D2}]", 60)));
                await pair.Client.SendAsync(message, WebSocketMessageType.Text);
            }
        })).ToArray();

        var seen = new ConcurrentDictionary<string, int>();
        for (int i = 0; i < Senders * PerSender; i++)
        {
            WebSocketMessage message = await pair.Server.ReceiveMessageAsync().AsTask().WaitAsync(Bound);
            string text = Encoding.ASCII.GetString(message.Data.Span);
            string token = text[..7];
            Assert.Equal(string.Concat(Enumerable.Repeat(token, 60)), text);
            seen.AddOrUpdate(token, 1, (_, n) => n + 1);
        }

        await Task.WhenAll(senders).WaitAsync(Bound);
        Assert.Equal(Senders * PerSender, seen.Count);
    }

    [Fact]
    public async Task A_prepared_frame_and_a_batch_of_them_arrive_as_separate_whole_messages_in_order_between_fragmented_sends()
    {
        var serverOptions = ConnectionPair.Quiet(WebSocketRole.Server);
        serverOptions.FragmentSize = 50;
        using var pair = new ConnectionPair(serverOptions: serverOptions);
        var prepared = Enumerable.Range(0, 5).Select(i => new PreparedFrame(i % 2 == 0 ? Opcode.Text : Opcode.Binary, Encoding.ASCII.GetBytes($"prepared {i}"))).ToList();
        byte[] long1 = Encoding.ASCII.GetBytes(new string('a', 500));
        byte[] long2 = Encoding.ASCII.GetBytes(new string('b', 500));

        // Two long messages go out in fragments at the same time as the prepared ones: none may land between fragments.
        Task fragmented = Task.WhenAll(pair.Server.SendAsync(long1, WebSocketMessageType.Text).AsTask(), pair.Server.SendAsync(long2, WebSocketMessageType.Binary).AsTask());
        await pair.Server.SendPreparedAsync(prepared[0]);
        await pair.Server.SendPreparedBatchAsync(prepared.GetRange(1, 4));
        await pair.Server.SendPreparedBatchAsync(Array.Empty<PreparedFrame>());
        await fragmented.WaitAsync(Bound);

        var received = new System.Collections.Generic.List<(WebSocketMessageType Type, string Text)>();
        for (int i = 0; i < 7; i++)
        {
            WebSocketMessage message = await pair.Client.ReceiveMessageAsync().AsTask().WaitAsync(Bound);
            received.Add((message.MessageType, Encoding.ASCII.GetString(message.Data.Span)));
        }

        Assert.Contains((WebSocketMessageType.Text, new string('a', 500)), received);
        Assert.Contains((WebSocketMessageType.Binary, new string('b', 500)), received);
        var preparedReceived = received.Where(m => m.Text.StartsWith("prepared", StringComparison.Ordinal)).ToList();
        Assert.Equal(Enumerable.Range(0, 5).Select(i => (i % 2 == 0 ? WebSocketMessageType.Text : WebSocketMessageType.Binary, $"prepared {i}")), preparedReceived);
    }

    [Fact]
    public async Task A_prepared_batch_is_refused_whole_when_one_frame_is_not_a_final_data_frame_and_after_the_close()
    {
        using var pair = new ConnectionPair();
        var good = new PreparedFrame(Opcode.Text, "fine"u8.ToArray());
        var control = new PreparedFrame(Opcode.Ping, "p"u8.ToArray());

        Assert.Throws<ArgumentException>(() => { _ = pair.Server.SendPreparedBatchAsync(new[] { good, control }); });
        Assert.Throws<ArgumentNullException>(() => { _ = pair.Server.SendPreparedBatchAsync(new[] { good, null! }); });
        Task closing = pair.Server.CloseAsync(CloseStatus.NormalClosure);
        WebSocketMessage first = await pair.Client.ReceiveMessageAsync().AsTask().WaitAsync(Bound);
        await closing.WaitAsync(Bound);
        await Assert.ThrowsAsync<InvalidOperationException>(() => pair.Server.SendPreparedBatchAsync(new[] { good }).AsTask());

        // Nothing of the refused batch went out: the close is the first thing the client saw.
        Assert.Equal(WebSocketMessageType.Close, first.MessageType);
    }

    [Fact]
    public async Task A_ping_is_answered_with_a_pong_carrying_the_same_payload_and_a_pong_is_ignored()
    {
        using var peer = new RawPeer(ConnectionPair.Quiet(WebSocketRole.Server));
        peer.Writer.WritePong("unsolicited"u8);
        peer.Writer.WritePing("are you there"u8);
        peer.Writer.WriteFrame(Opcode.Text, "after"u8);
        await peer.FlushAsync();

        WebSocketMessage message = await peer.UnderTest.ReceiveMessageAsync().AsTask().WaitAsync(Bound);
        var (opcode, payload) = await ReadFrameAsync(peer);

        Assert.Equal("after", Encoding.UTF8.GetString(message.Data.Span));
        Assert.Equal(Opcode.Pong, opcode);
        Assert.Equal("are you there", Encoding.UTF8.GetString(payload));
    }

    [Fact]
    public async Task A_ping_flood_the_peer_does_not_read_keeps_one_pong_waiting_and_answers_the_latest_ping()
    {
        // The peer reads nothing: the first pong's flush waits, and each later ping only replaces the one waiting pong.
        using var peer = new RawPeer(ConnectionPair.Quiet(WebSocketRole.Server), outputPauseThreshold: 1);
        const int Pings = 10_000;
        byte[] payload = new byte[4];
        for (int i = 0; i < Pings; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(payload, i);
            peer.Writer.WritePing(payload);
        }

        peer.Writer.WriteFrame(Opcode.Binary, "after the flood"u8);
        await peer.FlushAsync();

        // Unanswered pings do not hold up the receive.
        WebSocketMessage message = await peer.UnderTest.ReceiveMessageAsync().AsTask().WaitAsync(Bound);
        Assert.Equal("after the flood", Encoding.UTF8.GetString(message.Data.Span));

        var first = await ReadFrameAsync(peer);
        var second = await ReadFrameAsync(peer);
        peer.Writer.WriteClose(CloseStatus.NormalClosure);
        await peer.FlushAsync();
        Task<ReceiveResult> closing = peer.UnderTest.ReceiveAsync(new byte[16]).AsTask();
        var third = await ReadFrameAsync(peer);
        peer.Reader.ReleaseInput(); // takes the close off the pipe, so its flush completes

        Assert.Equal((Opcode.Pong, 0), (first.Opcode, BinaryPrimitives.ReadInt32BigEndian(first.Payload)));
        Assert.Equal((Opcode.Pong, Pings - 1), (second.Opcode, BinaryPrimitives.ReadInt32BigEndian(second.Payload)));
        Assert.Equal(Opcode.Close, third.Opcode);
        Assert.Equal(WebSocketMessageType.Close, (await closing.WaitAsync(Bound)).MessageType);
    }

    [Fact]
    public async Task Control_frames_between_fragments_are_handled_and_the_message_reassembled()
    {
        using var peer = new RawPeer(ConnectionPair.Quiet(WebSocketRole.Server));
        peer.Writer.WriteFrame(Opcode.Text, "Hel"u8, isFinal: false);
        peer.Writer.WritePing("p"u8);
        peer.Writer.WriteFrame(Opcode.Continuation, ""u8, isFinal: false);
        peer.Writer.WritePong();
        peer.Writer.WriteFrame(Opcode.Continuation, "lo"u8);
        await peer.FlushAsync();

        WebSocketMessage message = await peer.UnderTest.ReceiveMessageAsync().AsTask().WaitAsync(Bound);

        Assert.Equal("Hello", Encoding.UTF8.GetString(message.Data.Span));
        Assert.Equal(Opcode.Pong, (await ReadFrameAsync(peer)).Opcode);
    }

    [Fact]
    public async Task A_clean_close_started_by_the_client_is_echoed_and_both_sides_end_closed()
    {
        using var pair = new ConnectionPair();
        await pair.Client.SendTextAsync("last words");

        Task closing = pair.Client.CloseAsync(CloseStatus.NormalClosure, "bye");
        WebSocketMessage last = await pair.Server.ReceiveMessageAsync().AsTask().WaitAsync(Bound);
        WebSocketMessage close = await pair.Server.ReceiveMessageAsync().AsTask().WaitAsync(Bound);
        await closing.WaitAsync(Bound);

        Assert.Equal("last words", Encoding.UTF8.GetString(last.Data.Span));
        Assert.Equal(WebSocketMessageType.Close, close.MessageType);
        Assert.Equal(CloseStatus.NormalClosure, close.CloseStatus);
        Assert.Equal("bye", close.CloseReason);
        Assert.Equal(CloseStatus.NormalClosure, pair.Client.PeerCloseStatus);
        Assert.Equal(WebSocketState.Closed, pair.Server.State);
        Assert.Equal(WebSocketState.Closed, pair.Client.State);
        await Assert.ThrowsAsync<InvalidOperationException>(() => pair.Client.SendTextAsync("too late").AsTask());
    }

    [Fact]
    public async Task A_close_started_by_the_server_with_no_receive_running_drains_to_the_peers_close()
    {
        using var pair = new ConnectionPair();
        Task clientReceives = Task.Run(async () =>
        {
            WebSocketMessage message = await pair.Client.ReceiveMessageAsync();
            Assert.Equal(WebSocketMessageType.Close, message.MessageType);
            Assert.Equal(CloseStatus.GoingAway, message.CloseStatus);
            await pair.Client.CloseAsync(CloseStatus.NormalClosure);
        });

        await pair.Server.CloseAsync(CloseStatus.GoingAway, "shutting down").WaitAsync(Bound);
        await clientReceives.WaitAsync(Bound);

        Assert.Equal(CloseStatus.GoingAway, pair.Server.PeerCloseStatus);
        Assert.Equal(WebSocketState.Closed, pair.Server.State);
    }

    [Fact]
    public async Task A_close_that_gets_no_answer_completes_after_the_close_timeout()
    {
        var options = ConnectionPair.Quiet(WebSocketRole.Server);
        options.CloseTimeout = TimeSpan.FromMilliseconds(300);
        using var peer = new RawPeer(options);

        await peer.UnderTest.CloseAsync(CloseStatus.NormalClosure).WaitAsync(Bound);

        Assert.Equal(WebSocketState.Aborted, peer.UnderTest.State);
        Assert.Equal((ushort)1000, (await ReadCloseAsync(peer)).Code);
    }

    [Fact]
    public async Task A_close_from_a_peer_that_stopped_reading_ends_the_connection_at_the_close_timeout_instead_of_waiting_for_room_to_answer()
    {
        // The peer reads nothing, so a send waits in its flush holding the transport; then the peer's close arrives. The
        // answer cannot go out: after the close timeout the connection is dropped, which also ends the stuck send.
        var options = ConnectionPair.Quiet(WebSocketRole.Server);
        options.CloseTimeout = TimeSpan.FromMilliseconds(300);
        using var peer = new RawPeer(options, outputPauseThreshold: 1);
        Task stuck = peer.UnderTest.SendAsync(new byte[1000], WebSocketMessageType.Binary).AsTask();
        Assert.False(stuck.IsCompleted);
        peer.Writer.WriteClose(CloseStatus.NormalClosure);
        await peer.FlushAsync();

        WebSocketMessage close = await peer.UnderTest.ReceiveMessageAsync().AsTask().WaitAsync(Bound);
        Assert.Equal((WebSocketMessageType.Close, (CloseStatus?)CloseStatus.NormalClosure), (close.MessageType, close.CloseStatus));
        Assert.Equal(WebSocketState.Aborted, peer.UnderTest.State);
        var failed = await Assert.ThrowsAsync<WebSocketProtocolException>(() => stuck.WaitAsync(Bound));
        Assert.Equal(ProtocolError.ConnectionLost, failed.Error);
    }

    public static TheoryData<string, byte[], ushort, ProtocolError> Violations() => new()
    {
        { "continuation with no message", Frame(0x80, "x"u8.ToArray()), 1002, ProtocolError.UnexpectedContinuation },
        { "new message inside a fragmented one", Concat(Frame(0x01, "a"u8.ToArray()), Frame(0x81, "b"u8.ToArray())), 1002, ProtocolError.ExpectedContinuation },
        { "invalid UTF-8 text", Frame(0x81, new byte[] { 0xCE, 0xBA, 0xED, 0xA0, 0x80 }), 1007, ProtocolError.InvalidUtf8 },
        { "text ending inside a code point", Frame(0x81, new byte[] { 0xF0, 0x9F }), 1007, ProtocolError.InvalidUtf8 },
        { "close with one byte", Frame(0x88, new byte[] { 0x03 }), 1002, ProtocolError.InvalidCloseFrame },
        { "close code 1005", Frame(0x88, new byte[] { 0x03, 0xED }), 1002, ProtocolError.InvalidCloseFrame },
        { "close code 999", Frame(0x88, new byte[] { 0x03, 0xE7 }), 1002, ProtocolError.InvalidCloseFrame },
        { "close code 2999", Frame(0x88, new byte[] { 0x0B, 0xB7 }), 1002, ProtocolError.InvalidCloseFrame },
        { "close code 5000", Frame(0x88, new byte[] { 0x13, 0x88 }), 1002, ProtocolError.InvalidCloseFrame },
        { "close reason invalid UTF-8", Frame(0x88, new byte[] { 0x03, 0xE8, 0xFF }), 1007, ProtocolError.InvalidUtf8 },
        { "reserved opcode", Frame(0x83, Array.Empty<byte>()), 1002, ProtocolError.ReservedOpcode },
        { "RSV1 without an extension", Frame(0xC1, "a"u8.ToArray()), 1002, ProtocolError.ReservedBitsSet },
        { "unmasked frame at a server", new byte[] { 0x81, 0x01, 0x61 }, 1002, ProtocolError.UnmaskedFrameFromClient },
        { "message over the limit in fragments", Concat(Frame(0x02, new byte[600]), Frame(0x00, new byte[600])), 1009, ProtocolError.MessageTooLarge },
        { "frame over the limit", Frame(0x82, new byte[1100]), 1009, ProtocolError.FrameTooLarge },
    };

    private static byte[] Frame(byte first, byte[] payload)
    {
        var header = new FrameHeader((Opcode)(first & 0x0F), payload.Length, (first & 0x80) != 0, (ReservedBits)(first & 0x70), isMasked: true, maskKey: 0x5eed1234);
        var bytes = new byte[header.EncodedLength + payload.Length];
        int written = header.Write(bytes);
        PayloadMask.Apply(payload, bytes.AsSpan(written), header.MaskKey, 0);
        return bytes;
    }

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    [Theory]
    [MemberData(nameof(Violations))]
    public async Task Each_violation_closes_with_its_code_then_fails_the_receive_with_its_error_after_earlier_messages(string name, byte[] wire, ushort code, ProtocolError error)
    {
        var options = ConnectionPair.Quiet(WebSocketRole.Server);
        options.MaxMessageSize = 1000;
        using var peer = new RawPeer(options);
        await peer.SendRawAsync(Concat(Frame(0x81, "before"u8.ToArray()), wire));

        WebSocketMessage before = await peer.UnderTest.ReceiveMessageAsync().AsTask().WaitAsync(Bound);
        string beforeText = Encoding.UTF8.GetString(before.Data.Span);
        var exception = await Assert.ThrowsAsync<WebSocketProtocolException>(() => peer.UnderTest.ReceiveMessageAsync().AsTask().WaitAsync(Bound));

        Assert.Equal("before", beforeText);
        Assert.True(error == exception.Error, name);
        Assert.Equal(code, (await ReadCloseAsync(peer)).Code);
        Assert.Equal(WebSocketState.Aborted, peer.UnderTest.State);
    }

    [Theory]
    [MemberData(nameof(Violations))]
    public async Task Each_violation_arriving_after_the_earlier_message_was_read_closes_with_its_code_the_same(string name, byte[] wire, ushort code, ProtocolError error)
    {
        // The violation is not yet buffered when the receive starts, so it is met by the waiting path rather than the
        // one-step path for a message already buffered whole (which the test above exercises).
        var options = ConnectionPair.Quiet(WebSocketRole.Server);
        options.MaxMessageSize = 1000;
        using var peer = new RawPeer(options);
        await peer.SendRawAsync(Frame(0x81, "before"u8.ToArray()));
        WebSocketMessage before = await peer.UnderTest.ReceiveMessageAsync().AsTask().WaitAsync(Bound);
        string beforeText = Encoding.UTF8.GetString(before.Data.Span);

        Task<WebSocketMessage> receive = peer.UnderTest.ReceiveMessageAsync().AsTask();
        await peer.SendRawAsync(wire);
        var exception = await Assert.ThrowsAsync<WebSocketProtocolException>(() => receive.WaitAsync(Bound));

        Assert.Equal("before", beforeText);
        Assert.True(error == exception.Error, name);
        Assert.Equal(code, (await ReadCloseAsync(peer)).Code);
        Assert.Equal(WebSocketState.Aborted, peer.UnderTest.State);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(4000)]
    public async Task Messages_buffered_together_each_stay_intact_until_the_next_receive(int length)
    {
        using var peer = new RawPeer(ConnectionPair.Quiet(WebSocketRole.Server));
        byte[] first = Enumerable.Range(0, length).Select(i => (byte)i).ToArray();
        byte[] second = Enumerable.Range(0, length).Select(i => (byte)~i).ToArray();
        await peer.SendRawAsync(Concat(Frame(0x82, first), Frame(0x81, Encoding.UTF8.GetBytes(new string('é', length / 2))), Frame(0x82, second)));

        WebSocketMessage one = await peer.UnderTest.ReceiveMessageAsync().AsTask().WaitAsync(Bound);
        byte[] oneData = one.Data.ToArray();
        WebSocketMessage two = await peer.UnderTest.ReceiveMessageAsync().AsTask().WaitAsync(Bound);
        string twoText = Encoding.UTF8.GetString(two.Data.Span);
        WebSocketMessage three = await peer.UnderTest.ReceiveMessageAsync().AsTask().WaitAsync(Bound);

        Assert.Equal(WebSocketMessageType.Binary, one.MessageType);
        Assert.Equal(first, oneData);
        Assert.Equal(WebSocketMessageType.Text, two.MessageType);
        Assert.Equal(new string('é', length / 2), twoText);
        Assert.Equal(WebSocketMessageType.Binary, three.MessageType);
        Assert.Equal(second, three.Data.ToArray());
    }

    [Fact]
    public async Task A_fragment_charge_above_the_limit_fails_even_a_tiny_message_buffered_whole_with_1009()
    {
        var options = ConnectionPair.Quiet(WebSocketRole.Server);
        options.MaxMessageSize = 200;
        options.MinimumFragmentCharge = 300;
        using var peer = new RawPeer(options);
        await peer.SendRawAsync(Concat(Frame(0x81, "a"u8.ToArray()), Frame(0x81, "b"u8.ToArray())));

        var exception = await Assert.ThrowsAsync<WebSocketProtocolException>(() => peer.UnderTest.ReceiveMessageAsync().AsTask().WaitAsync(Bound));

        Assert.Equal(ProtocolError.MessageTooLarge, exception.Error);
        Assert.Equal((ushort)1009, (await ReadCloseAsync(peer)).Code);
    }

    [Fact]
    public async Task Disposing_the_connection_after_its_transport_was_disposed_first_does_not_throw()
    {
        // Found by the soak: a stream's pipe reader recycles its buffers when completed, while the frame reader still held
        // the next frame's bytes in one of them.
        var wire = new System.IO.MemoryStream(Concat(Frame(0x82, new byte[] { 1, 2, 3 }), Frame(0x82, new byte[] { 4, 5 })));
        var input = System.IO.Pipelines.PipeReader.Create(wire);
        var output = System.IO.Pipelines.PipeWriter.Create(System.IO.Stream.Null);
        var connection = new WebSocketConnection(input, output, ConnectionPair.Quiet(WebSocketRole.Server));
        WebSocketMessage first = await connection.ReceiveMessageAsync().AsTask().WaitAsync(Bound);
        Assert.Equal(new byte[] { 1, 2, 3 }, first.Data.ToArray());

        await input.CompleteAsync();
        await output.CompleteAsync();
        Exception? thrown = Record.Exception(connection.Dispose);

        Assert.Null(thrown);
        Assert.Equal(WebSocketState.Closed, connection.State);
    }

    [Fact]
    public async Task A_receive_waiting_over_a_pipe_when_the_connection_is_aborted_ends_cancelled()
    {
        var input = new System.IO.Pipelines.Pipe();
        var connection = new WebSocketConnection(input.Reader, System.IO.Pipelines.PipeWriter.Create(System.IO.Stream.Null), ConnectionPair.Quiet(WebSocketRole.Client));
        Task<WebSocketMessage> receive = connection.ReceiveMessageAsync().AsTask();
        Assert.False(receive.IsCompleted);

        connection.Abort();

        await Assert.ThrowsAsync<OperationCanceledException>(() => receive.WaitAsync(Bound));
        Assert.Equal(WebSocketState.Aborted, connection.State);
        connection.Dispose();
    }

    [Fact]
    public async Task A_receive_waiting_when_the_connection_is_aborted_ends_cancelled_even_when_the_socket_reports_it_as_an_io_error()
    {
        // Found by the soak: a peer dropping its own connection (Abort, then the socket) while its read loop waits. A
        // socket disposed under a cancelled read reports an IOException rather than a cancellation; this stream always does.
        var stream = new CancelledReadIsIOErrorStream();
        var connection = new WebSocketConnection(System.IO.Pipelines.PipeReader.Create(stream), System.IO.Pipelines.PipeWriter.Create(System.IO.Stream.Null), ConnectionPair.Quiet(WebSocketRole.Client));
        Task<WebSocketMessage> receive = connection.ReceiveMessageAsync().AsTask();
        await stream.ReadStarted.WaitAsync(Bound);

        connection.Abort();
        // As over a pipe, whose read Abort cancels: one outcome for the caller, whichever transport it is.
        var ended = await Assert.ThrowsAsync<OperationCanceledException>(() => receive.WaitAsync(Bound));

        Assert.IsType<System.IO.IOException>(ended.InnerException);
        connection.Dispose();
    }

    /// <summary>A stream whose reads wait until cancelled and then fail as a socket disposed under them does.</summary>
    private sealed class CancelledReadIsIOErrorStream : System.IO.Stream
    {
        private readonly TaskCompletionSource _readStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task ReadStarted => _readStarted.Task;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _readStarted.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException exception)
            {
                throw new System.IO.IOException("Unable to read data from the transport connection: Operation canceled.", exception);
            }

            return 0;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Flush()
        {
        }

        public override long Seek(long offset, System.IO.SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    [Fact]
    public async Task A_transport_that_ends_without_a_close_frame_ends_the_receive_with_a_1006_close_saying_the_connection_was_lost()
    {
        using var peer = new RawPeer(ConnectionPair.Quiet(WebSocketRole.Client));
        await peer.Output.CompleteAsync();

        WebSocketMessage lost = await peer.UnderTest.ReceiveMessageAsync().AsTask().WaitAsync(Bound);
        WebSocketMessage again = await peer.UnderTest.ReceiveMessageAsync().AsTask().WaitAsync(Bound);

        Assert.Equal((WebSocketMessageType.Close, (CloseStatus?)CloseStatus.AbnormalClosure, ProtocolError.ConnectionLost), (lost.MessageType, lost.CloseStatus, lost.AbnormalClosureReason));
        Assert.Equal((WebSocketMessageType.Close, ProtocolError.ConnectionLost), (again.MessageType, again.AbnormalClosureReason));
        Assert.Equal(WebSocketState.Aborted, peer.UnderTest.State);
        Assert.Null(peer.UnderTest.PeerCloseStatus);
    }

    [Fact]
    public async Task A_peer_that_stops_answering_pings_is_lost_the_receive_ends_with_a_1006_close_and_the_peer_is_sent_1011()
    {
        var options = new WebSocketConnectionOptions(WebSocketRole.Server)
        {
            KeepAliveInterval = TimeSpan.FromMilliseconds(100),
            KeepAliveTimeout = TimeSpan.FromMilliseconds(300),
        };
        using var peer = new RawPeer(options);

        WebSocketMessage lost = await peer.UnderTest.ReceiveMessageAsync().AsTask().WaitAsync(Bound);

        Assert.Equal((WebSocketMessageType.Close, (CloseStatus?)CloseStatus.AbnormalClosure, ProtocolError.KeepAliveTimeout), (lost.MessageType, lost.CloseStatus, lost.AbnormalClosureReason));
        Assert.Equal(WebSocketState.Aborted, peer.UnderTest.State);
        Assert.Equal(Opcode.Ping, (await ReadFrameAsync(peer)).Opcode);
        Assert.Equal((ushort)1011, (await ReadCloseAsync(peer)).Code);
    }

    [Fact]
    public async Task A_connection_that_receives_nothing_for_the_idle_timeout_sends_1001_and_ends_the_receive_with_a_1006_close()
    {
        var options = ConnectionPair.Quiet(WebSocketRole.Server);
        options.IdleTimeout = TimeSpan.FromSeconds(1);
        using var peer = new RawPeer(options);
        peer.Writer.WriteFrame(Opcode.Text, "early"u8);
        await peer.FlushAsync();

        WebSocketMessage early = await peer.UnderTest.ReceiveMessageAsync().AsTask().WaitAsync(Bound);
        Assert.Equal(5, early.Data.Length);
        WebSocketMessage lost = await peer.UnderTest.ReceiveMessageAsync().AsTask().WaitAsync(Bound);

        Assert.Equal((WebSocketMessageType.Close, (CloseStatus?)CloseStatus.AbnormalClosure, ProtocolError.IdleTimeout), (lost.MessageType, lost.CloseStatus, lost.AbnormalClosureReason));
        Assert.Equal((ushort)1001, (await ReadCloseAsync(peer)).Code);
    }

    [Fact]
    public async Task A_peer_that_answers_pings_keeps_the_connection_alive()
    {
        var serverOptions = new WebSocketConnectionOptions(WebSocketRole.Server)
        {
            // A ping every 100 ms, each allowed 2 s: waiting 5 s spans two and a half timeouts, so a pong that never
            // cleared the outstanding ping would fail the connection, while a loaded machine has ample slack.
            KeepAliveInterval = TimeSpan.FromMilliseconds(100),
            KeepAliveTimeout = TimeSpan.FromSeconds(2),
        };
        using var pair = new ConnectionPair(serverOptions);
        using var stop = new CancellationTokenSource();
        Task clientLoop = Task.Run(async () =>
        {
            // The client's receive answers the pings; it ends with the server's close.
            while ((await pair.Client.ReceiveMessageAsync()).MessageType != WebSocketMessageType.Close)
            {
            }
        });
        Task<WebSocketMessage> serverReceive = pair.Server.ReceiveMessageAsync().AsTask();

        await Task.Delay(TimeSpan.FromSeconds(5));
        await pair.Client.SendTextAsync("still here");

        Assert.Equal("still here", Encoding.UTF8.GetString((await serverReceive.WaitAsync(Bound)).Data.Span));
        Assert.Equal(WebSocketState.Open, pair.Server.State);
        await pair.Server.CloseAsync(CloseStatus.NormalClosure).WaitAsync(Bound);
        await clientLoop.WaitAsync(Bound);
    }

    [Fact]
    public async Task Invalid_sends_are_refused_before_anything_goes_out()
    {
        using var pair = new ConnectionPair();

        await Assert.ThrowsAsync<ArgumentException>(() => pair.Client.SendAsync(new byte[] { 0xFF }, WebSocketMessageType.Text).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => pair.Client.CloseAsync(CloseStatus.NormalClosure, new string('x', 124)));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => pair.Client.CloseAsync(CloseStatus.AbnormalClosure));
        Assert.Equal(WebSocketState.Open, pair.Client.State);
    }

    [Fact]
    public async Task A_message_streamed_with_send_fragment_arrives_as_one_message()
    {
        using var pair = new ConnectionPair();

        await pair.Client.SendFragmentAsync("Hel"u8.ToArray(), WebSocketMessageType.Text, endOfMessage: false);
        await pair.Client.SendFragmentAsync(new byte[] { 0xC3 }, WebSocketMessageType.Text, endOfMessage: false);
        await pair.Client.SendFragmentAsync(new byte[] { 0xA9, (byte)'!' }, WebSocketMessageType.Text, endOfMessage: true);
        await pair.Client.SendTextAsync("next");

        Assert.Equal("Helé!", Encoding.UTF8.GetString((await pair.Server.ReceiveMessageAsync()).Data.Span));
        Assert.Equal("next", Encoding.UTF8.GetString((await pair.Server.ReceiveMessageAsync()).Data.Span));
    }

    [Fact]
    public async Task Echoing_messages_allocates_nothing_in_steady_state()
    {
        using var pair = new ConnectionPair();
        byte[] payload = Encoding.UTF8.GetBytes("steady state message ünïcode");
        for (int i = 0; i < 200; i++)
        {
            await EchoOnce();
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 500; i++)
        {
            ValueTask echo = EchoOnce();
            if (!echo.IsCompletedSuccessfully)
            {
                throw new InvalidOperationException("The in-memory echo did not complete synchronously.");
            }
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        async ValueTask EchoOnce()
        {
            await pair.Client.SendAsync(payload, WebSocketMessageType.Text);
            using WebSocketMessage atServer = await pair.Server.ReceiveMessageAsync();
            await pair.Server.SendAsync(atServer.Data, WebSocketMessageType.Text);
            using WebSocketMessage atClient = await pair.Client.ReceiveMessageAsync();
            if (atClient.Data.Length != payload.Length)
            {
                throw new InvalidOperationException("Echo mismatch.");
            }
        }
    }
}
