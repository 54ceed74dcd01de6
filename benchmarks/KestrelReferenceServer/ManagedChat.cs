using System;
using System.Buffers;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Net.WebSockets;
using System.Text.Json;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;

namespace WebSocketProtocol.Benchmarks.KestrelReferenceServer;

/// <summary>
/// A minimal chat room on ManagedWebSocket for the load tool's broadcast scenario, written the way a competent .NET
/// developer would: <c>join</c> gets a <c>joined</c> reply; each <c>message</c> is serialized once with
/// <see cref="Utf8JsonWriter"/> as <c>{"type":"message","from","text","time"}</c> and the same bytes are queued to every
/// member of the room, the sender included, in one order (under the room's lock). Each member has a bounded channel
/// drained by one writer task, the only sender on its socket; a member whose queue overflows (4096) is aborted.
/// </summary>
internal static class ManagedChat
{
    private const int MaxMessageSize = 64 * 1024;
    private const int QueueLimit = 4096;
    private static readonly ConcurrentDictionary<string, Room> Rooms = new(StringComparer.Ordinal);

    public static async Task RunAsync(WebSocket socket, string roomName, CancellationToken aborted)
    {
        Room room = Rooms.GetOrAdd(roomName, static _ => new Room());
        var member = new Member(socket);
        Task writer = member.RunWriterAsync(aborted);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(MaxMessageSize);
        try
        {
            while (true)
            {
                int length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (length == buffer.Length)
                    {
                        member.Complete();
                        await writer.ConfigureAwait(false);
                        await socket.CloseAsync(WebSocketCloseStatus.MessageTooBig, "message too big", aborted).ConfigureAwait(false);
                        return;
                    }

                    result = await socket.ReceiveAsync(buffer.AsMemory(length), aborted).ConfigureAwait(false);
                    length += result.Count;
                }
                while (!result.EndOfMessage);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    room.Leave(member);
                    member.Complete();
                    await writer.ConfigureAwait(false);
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, aborted).ConfigureAwait(false);
                    return;
                }

                Handle(room, roomName, member, buffer.AsSpan(0, length));
            }
        }
        catch (Exception exception) when (exception is WebSocketException or OperationCanceledException or ChannelClosedException)
        {
            // The client went away or broke the protocol; ManagedWebSocket has already dealt with the socket.
        }
        finally
        {
            room.Leave(member);
            member.Complete();
            await writer.ConfigureAwait(false);
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void Handle(Room room, string roomName, Member member, ReadOnlySpan<byte> json)
    {
        (string? type, string? name, string? text) = Parse(json);
        if (type == "join" && member.Name is null && name is { Length: > 0 and <= 32 })
        {
            member.Name = name;
            room.Join(member);
            member.Queue(Serialize(writer =>
            {
                writer.WriteString("type", "joined");
                writer.WriteString("name", name);
                writer.WriteString("room", roomName);
            }));
        }
        else if (type == "message" && member.Name is string from && text is { Length: > 0 })
        {
            room.Broadcast(Serialize(writer =>
            {
                writer.WriteString("type", "message");
                writer.WriteString("from", from);
                writer.WriteString("text", text);
                writer.WriteString("time", DateTimeOffset.UtcNow);
            }));
        }
        else
        {
            member.Queue(Serialize(writer =>
            {
                writer.WriteString("type", "error");
                writer.WriteString("code", "bad-request");
            }));
        }
    }

    private static (string? Type, string? Name, string? Text) Parse(ReadOnlySpan<byte> json)
    {
        string? type = null, name = null, text = null;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return default;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string property = reader.GetString()!;
                reader.Read();
                if (reader.TokenType != JsonTokenType.String)
                {
                    reader.Skip();
                    continue;
                }

                switch (property)
                {
                    case "type":
                        type = reader.GetString();
                        break;
                    case "name":
                        name = reader.GetString();
                        break;
                    case "text":
                        text = reader.GetString();
                        break;
                }
            }
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException)
        {
            // Not JSON, or a string that is no text (an escaped lone surrogate, which GetString refuses).
            return default;
        }

        return (type, name, text);
    }

    private static byte[] Serialize(Action<Utf8JsonWriter> body)
    {
        var output = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(output))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return output.WrittenSpan.ToArray();
    }

    private sealed class Room
    {
        private readonly List<Member> _members = [];

        public void Join(Member member)
        {
            lock (_members)
            {
                _members.Add(member);
            }
        }

        public void Leave(Member member)
        {
            lock (_members)
            {
                _members.Remove(member);
            }
        }

        public void Broadcast(byte[] json)
        {
            lock (_members)
            {
                foreach (Member member in _members)
                {
                    member.Queue(json);
                }
            }
        }
    }

    private sealed class Member
    {
        private readonly WebSocket _socket;
        private readonly Channel<byte[]> _outbound =
            Channel.CreateBounded<byte[]>(new BoundedChannelOptions(QueueLimit) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

        public Member(WebSocket socket) => _socket = socket;

        public string? Name { get; set; }

        /// <summary>Queues a message; a member too slow to keep its queue under the limit is aborted.</summary>
        public void Queue(byte[] json)
        {
            if (!_outbound.Writer.TryWrite(json) && _outbound.Writer.TryComplete())
            {
                _socket.Abort();
            }
        }

        public void Complete() => _outbound.Writer.TryComplete();

        public async Task RunWriterAsync(CancellationToken aborted)
        {
            try
            {
                await foreach (byte[] json in _outbound.Reader.ReadAllAsync(aborted).ConfigureAwait(false))
                {
                    await _socket.SendAsync(json, WebSocketMessageType.Text, endOfMessage: true, aborted).ConfigureAwait(false);
                }
            }
            catch (Exception exception) when (exception is WebSocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The connection failed under the writer; the receive loop sees it too and leaves the room.
            }
        }
    }
}
