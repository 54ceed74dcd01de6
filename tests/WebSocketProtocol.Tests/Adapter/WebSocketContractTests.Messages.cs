using System;
using System.Collections.Generic;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace WebSocketProtocol.Tests.Adapter;

/// <content>Data messages: whole, fragmented, and received in pieces.</content>
public abstract partial class WebSocketContractTests
{
    public static TheoryData<int> MessageSizes => new() { 0, 1, 125, 126, 65535, 65536, 1024 * 1024 };

    [Theory]
    [MemberData(nameof(MessageSizes))]
    public async Task Text_message_sent_through_Memory_is_echoed_back_intact(int size)
    {
        using WebSocketTestPair pair = await ConnectAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        byte[] message = TextOfLength(size);

        // The peer echoes while this side sends, so a message larger than the socket buffers cannot deadlock.
        Task echo = EchoOneMessageAsync(pair.Peer, timeout.Token);
        await pair.UnderTest.SendAsync(message.AsMemory(), WebSocketMessageType.Text, true, timeout.Token);
        (WebSocketMessageType type, byte[] echoed) = await ReceiveMessageAsync(pair.UnderTest, 64 * 1024, timeout.Token);
        await echo;

        Assert.Equal(WebSocketMessageType.Text, type);
        Assert.Equal(message, echoed);
        Assert.Equal(WebSocketState.Open, pair.UnderTest.State);
    }

    [Theory]
    [MemberData(nameof(MessageSizes))]
    public async Task Binary_message_sent_through_ArraySegment_is_echoed_back_intact(int size)
    {
        using WebSocketTestPair pair = await ConnectAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        byte[] message = Pattern(size);
        var padded = new byte[size + 3];
        message.CopyTo(padded, 3);

        Task echo = EchoOneMessageAsync(pair.Peer, timeout.Token);
        await pair.UnderTest.SendAsync(new ArraySegment<byte>(padded, 3, size), WebSocketMessageType.Binary, true, timeout.Token);
        (WebSocketMessageType type, byte[] echoed, _) = await ReceiveSegmentsAsync(pair.UnderTest, 64 * 1024, timeout.Token);
        await echo;

        Assert.Equal(WebSocketMessageType.Binary, type);
        Assert.Equal(message, echoed);
    }

    [Fact]
    public async Task Message_sent_in_four_parts_with_endOfMessage_false_reaches_the_peer_as_one_text_message()
    {
        using WebSocketTestPair pair = await ConnectAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        byte[] message = StrictUtf8.GetBytes("four parts: café, größe, 5 €, 𝄞 done");

        // Split inside 'é' and inside '€' and '𝄞': text is validated across the parts, not per part.
        int[] cuts = { 14, 30, 37, message.Length };
        int start = 0;
        foreach (int cut in cuts)
        {
            await pair.UnderTest.SendAsync(message.AsMemory(start, cut - start), WebSocketMessageType.Text, cut == message.Length, timeout.Token);
            start = cut;
        }

        (WebSocketMessageType type, byte[] received) = await ReceiveMessageAsync(pair.Peer, 1024, timeout.Token);

        Assert.Equal(WebSocketMessageType.Text, type);
        Assert.Equal(message, received);
    }

    [Fact]
    public async Task Parts_sent_with_WebSocketMessageFlags_and_an_empty_final_part_form_one_binary_message()
    {
        using WebSocketTestPair pair = await ConnectAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        byte[] message = Pattern(3000);

        await pair.UnderTest.SendAsync(message.AsMemory(0, 1000), WebSocketMessageType.Binary, WebSocketMessageFlags.None, timeout.Token);
        await pair.UnderTest.SendAsync(message.AsMemory(1000, 2000), WebSocketMessageType.Binary, WebSocketMessageFlags.None, timeout.Token);
        await pair.UnderTest.SendAsync(ReadOnlyMemory<byte>.Empty, WebSocketMessageType.Binary, WebSocketMessageFlags.EndOfMessage, timeout.Token);
        await pair.UnderTest.SendAsync(message.AsMemory(0, 5), WebSocketMessageType.Binary, WebSocketMessageFlags.EndOfMessage, timeout.Token);

        (WebSocketMessageType type, byte[] first) = await ReceiveMessageAsync(pair.Peer, 8192, timeout.Token);
        (_, byte[] second) = await ReceiveMessageAsync(pair.Peer, 8192, timeout.Token);

        Assert.Equal(WebSocketMessageType.Binary, type);
        Assert.Equal(message, first);
        Assert.Equal(message.AsSpan(0, 5).ToArray(), second);
    }

    [Fact]
    public async Task Fragmented_message_from_the_peer_is_received_in_pieces_that_fit_a_7_byte_buffer_with_EndOfMessage_only_on_the_last()
    {
        using WebSocketTestPair pair = await ConnectAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        byte[] message = StrictUtf8.GetBytes("fragments of text: ünïcödé spread over several frames, each longer than the buffer");

        for (int offset = 0; offset < message.Length; offset += 20)
        {
            int count = Math.Min(20, message.Length - offset);
            await pair.Peer.SendAsync(message.AsMemory(offset, count), WebSocketMessageType.Text, offset + count == message.Length, timeout.Token);
        }

        (WebSocketMessageType type, byte[] received, int pieces) = await ReceiveSegmentsAsync(pair.UnderTest, 7, timeout.Token);

        Assert.Equal(WebSocketMessageType.Text, type);
        Assert.Equal(message, received);
        Assert.InRange(pieces, (message.Length + 6) / 7, message.Length);
    }

    [Fact]
    public async Task A_64_KiB_frame_received_into_a_1000_byte_buffer_comes_in_pieces_and_the_next_message_follows_intact()
    {
        using WebSocketTestPair pair = await ConnectAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        byte[] large = Pattern(65536);
        byte[] small = Pattern(10);

        async Task SendBothAsync()
        {
            await pair.Peer.SendAsync(large.AsMemory(), WebSocketMessageType.Binary, true, timeout.Token);
            await pair.Peer.SendAsync(small.AsMemory(), WebSocketMessageType.Binary, true, timeout.Token);
        }

        Task send = SendBothAsync();
        (_, byte[] first, int pieces) = await ReceiveSegmentsAsync(pair.UnderTest, 1000, timeout.Token);
        (_, byte[] second, _) = await ReceiveSegmentsAsync(pair.UnderTest, 1000, timeout.Token);
        await send;

        Assert.Equal(large, first);
        Assert.InRange(pieces, 66, 65536);
        Assert.Equal(small, second);
    }

    [Fact]
    public async Task A_zero_byte_receive_waits_for_a_message_and_consumes_none_of_it()
    {
        using WebSocketTestPair pair = await ConnectAsync();
        using var timeout = new CancellationTokenSource(Timeout);

        ValueTask<ValueWebSocketReceiveResult> wait = pair.UnderTest.ReceiveAsync(Memory<byte>.Empty, timeout.Token);
        await pair.Peer.SendAsync(StrictUtf8.GetBytes("hello").AsMemory(), WebSocketMessageType.Text, true, timeout.Token);
        ValueWebSocketReceiveResult waited = await wait;
        (WebSocketMessageType type, byte[] data) = await ReceiveMessageAsync(pair.UnderTest, 64, timeout.Token);

        Assert.Equal(0, waited.Count);
        Assert.Equal(WebSocketMessageType.Text, waited.MessageType);
        Assert.False(waited.EndOfMessage);
        Assert.Equal(WebSocketMessageType.Text, type);
        Assert.Equal("hello", StrictUtf8.GetString(data));
    }

    [Fact]
    public async Task Sends_from_both_sides_at_once_cross_without_loss()
    {
        using WebSocketTestPair pair = await ConnectAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        const int Messages = 200;

        async Task SendAllAsync(WebSocket socket)
        {
            for (int i = 0; i < Messages; i++)
            {
                await socket.SendAsync(BitConverter.GetBytes(i).AsMemory(), WebSocketMessageType.Binary, true, timeout.Token);
            }
        }

        async Task<List<int>> ReceiveAllAsync(WebSocket socket)
        {
            var received = new List<int>();
            for (int i = 0; i < Messages; i++)
            {
                (_, byte[] data) = await ReceiveMessageAsync(socket, 16, timeout.Token);
                received.Add(BitConverter.ToInt32(data));
            }

            return received;
        }

        Task<List<int>> underTestReceives = ReceiveAllAsync(pair.UnderTest);
        Task<List<int>> peerReceives = ReceiveAllAsync(pair.Peer);
        await Task.WhenAll(SendAllAsync(pair.UnderTest), SendAllAsync(pair.Peer));

        Assert.Equal(System.Linq.Enumerable.Range(0, Messages), await underTestReceives);
        Assert.Equal(System.Linq.Enumerable.Range(0, Messages), await peerReceives);
    }

    /// <summary>The peer reads one whole message and sends it back with the same type.</summary>
    private static async Task EchoOneMessageAsync(WebSocket peer, CancellationToken cancellationToken)
    {
        (WebSocketMessageType type, byte[] data) = await ReceiveMessageAsync(peer, 64 * 1024, cancellationToken);
        await peer.SendAsync(data.AsMemory(), type, true, cancellationToken);
    }
}
