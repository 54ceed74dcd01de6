using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using ChatServer.Chat;
using WebSocketProtocol.Connection;
using WebSocketProtocol.Tests.Connection;

namespace WebSocketProtocol.Tests.Samples.RedisDelivery;

/// <summary>
/// A chat member in this process: the sample's <see cref="ChatMember"/> (its queue and writer) on the server end of an
/// in-memory connection pair, and the client end read in the background, every server message kept.
/// </summary>
internal sealed class InProcessChatMember : IAsyncDisposable
{
    private readonly ConnectionPair _pair = new();
    private readonly List<JsonElement> _received = new();
    private readonly Task _writer;
    private readonly Task _reading;

    public InProcessChatMember()
    {
        Member = new ChatMember(_pair.Server, 256);
        _writer = Member.RunWriterAsync();
        _reading = Task.Run(ReadAsync);
    }

    public ChatMember Member { get; }

    /// <summary>Every server message so far.</summary>
    public IReadOnlyList<JsonElement> Received
    {
        get
        {
            lock (_received)
            {
                return _received.ToArray();
            }
        }
    }

    /// <summary>The texts of the chat lines received, in order.</summary>
    public IReadOnlyList<string> Texts => Received.Where(m => Type(m) == "message").Select(m => m.GetProperty("text").GetString()!).ToArray();

    /// <summary>Presence changes received, as "join NAME" or "leave NAME".</summary>
    public IReadOnlyList<string> Presence =>
        Received.Where(m => Type(m) == "presence").Select(m => m.GetProperty("event").GetString() + " " + m.GetProperty("name").GetString()).ToArray();

    public static string? Type(JsonElement message) => message.GetProperty("type").GetString();

    public async ValueTask DisposeAsync()
    {
        Member.Complete();
        await _writer.ConfigureAwait(false);
        _pair.Dispose();
        await _reading.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task ReadAsync()
    {
        while (true)
        {
            WebSocketMessage message = await _pair.Client.ReceiveMessageAsync().ConfigureAwait(false);
            if (message.MessageType == WebSocketMessageType.Close)
            {
                return;
            }

            JsonElement json = JsonDocument.Parse(Encoding.UTF8.GetString(message.Data.Span)).RootElement.Clone();
            lock (_received)
            {
                _received.Add(json);
            }
        }
    }
}
