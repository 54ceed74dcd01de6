using System;
using System.Collections.Generic;
using System.Net.WebSockets;
using System.Text;
using System.Threading.Tasks;
using WebSocketProtocol.Connection;
using WebSocketProtocol.Tests.Support;
using Xunit;

namespace WebSocketProtocol.Tests.Connection;

/// <summary>
/// A received <see cref="WebSocketMessage"/> is a lease on a pooled buffer: kept, it never changes whatever is received
/// after it; disposed, it cannot be read (rather than showing another message's bytes); and a loop that disposes each
/// message allocates nothing.
/// </summary>
public class MessageLeaseTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private static byte[] Numbered(int i, int length)
    {
        // Every message differs from the others in its every byte position that matters: the number, then filler.
        byte[] bytes = new byte[length];
        Encoding.ASCII.GetBytes(i.ToString("D6")).CopyTo(bytes, 0);
        for (int j = 6; j < length; j++)
        {
            bytes[j] = (byte)('a' + ((i + j) % 26));
        }

        return bytes;
    }

    [Fact]
    public async Task A_thousand_messages_kept_while_more_are_received_are_all_intact()
    {
        using var pair = new ConnectionPair();
        var kept = new List<WebSocketMessage>();
        try
        {
            // Short ones (inline) and long ones (rented arrays) alike, all kept and none disposed.
            for (int i = 0; i < 1000; i++)
            {
                await pair.Client.SendAsync(Numbered(i, i % 2 == 0 ? 20 : 3000), WebSocketMessageType.Text);
                kept.Add(await pair.Server.ReceiveMessageAsync().AsTask().WaitAsync(Bound));
            }

            // Receiving (and disposing) more afterwards reuses only the buffers given back.
            for (int i = 1000; i < 1200; i++)
            {
                await pair.Client.SendAsync(Numbered(i, i % 2 == 0 ? 20 : 3000), WebSocketMessageType.Binary);
                using WebSocketMessage passing = await pair.Server.ReceiveMessageAsync().AsTask().WaitAsync(Bound);
                Assert.Equal(Numbered(i, i % 2 == 0 ? 20 : 3000), passing.ToArray());
            }

            for (int i = 0; i < kept.Count; i++)
            {
                Assert.True(Numbered(i, i % 2 == 0 ? 20 : 3000).AsSpan().SequenceEqual(kept[i].Span), $"Message {i} changed after it was received.");
                Assert.Equal(Encoding.ASCII.GetString(Numbered(i, i % 2 == 0 ? 20 : 3000)), kept[i].GetText());
            }
        }
        finally
        {
            kept.ForEach(message => message.Dispose());
        }
    }

    [Fact]
    public async Task A_disposed_message_throws_on_every_read_even_once_its_buffer_holds_another_message()
    {
        using var pair = new ConnectionPair();
        await pair.Client.SendTextAsync("first");
        WebSocketMessage first = await pair.Server.ReceiveMessageAsync().AsTask().WaitAsync(Bound);
        WebSocketMessage copy = first;
        first.Dispose();

        // The next receive takes the buffer the first gave back.
        await pair.Client.SendTextAsync("second");
        using WebSocketMessage second = await pair.Server.ReceiveMessageAsync().AsTask().WaitAsync(Bound);

        Assert.Throws<ObjectDisposedException>(() => first.Data);
        Assert.Throws<ObjectDisposedException>(() => copy.Span.Length);
        Assert.Throws<ObjectDisposedException>(() => copy.GetText());
        Assert.Throws<ObjectDisposedException>(() => copy.ToArray());

        // Disposing a copy again does not end the lease the buffer now carries.
        copy.Dispose();
        first.Dispose();
        Assert.Equal("second", second.GetText());
    }

    [Fact]
    public async Task A_message_copied_with_ToArray_outlives_its_lease()
    {
        using var pair = new ConnectionPair();
        await pair.Client.SendTextAsync("keep me");
        byte[] copy;
        using (WebSocketMessage message = await pair.Server.ReceiveMessageAsync().AsTask().WaitAsync(Bound))
        {
            copy = message.ToArray();
        }

        await pair.Client.SendTextAsync("overwrite");
        using WebSocketMessage next = await pair.Server.ReceiveMessageAsync().AsTask().WaitAsync(Bound);

        Assert.Equal("keep me", Encoding.UTF8.GetString(copy));
    }

    [Fact]
    public void Receiving_and_disposing_each_message_allocates_nothing_in_steady_state()
    {
        using var pair = new ConnectionPair();
        byte[] small = Numbered(1, 16);
        byte[] large = Numbered(2, 64 * 1024);
        byte[][] payloads = { small, large };

        long allocated = SteadyState.AllocatedBytes(
            () =>
            {
                foreach (byte[] payload in payloads)
                {
                    if (!pair.Client.SendAsync(payload, WebSocketMessageType.Binary).IsCompletedSuccessfully)
                    {
                        throw new InvalidOperationException("The in-memory send did not complete synchronously.");
                    }

                    ValueTask<WebSocketMessage> receive = pair.Server.ReceiveMessageAsync();
                    if (!receive.IsCompletedSuccessfully)
                    {
                        throw new InvalidOperationException("The in-memory receive did not complete synchronously.");
                    }

                    using WebSocketMessage message = receive.Result;
                    if (message.Data.Length != payload.Length)
                    {
                        throw new InvalidOperationException("Wrong length.");
                    }
                }
            },
            warmup: 100,
            iterations: 200);

        Assert.True(allocated == 0, $"{allocated} B allocated over 200 iterations.");
    }
}
