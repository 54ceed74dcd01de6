using System.Net.WebSockets;
using System;
using System.Globalization;
using System.Net;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol;
using WebSocketProtocol.Connection;

namespace ChatServer.Chat;

/// <summary>
/// <c>/chat?room=NAME</c>: one connection's life in a room. The first message must be a <c>join</c> with a free, valid
/// nickname (a taken or invalid one gets an error and may try again); the room is entered only then, so a connection that
/// never joins holds no room. Each <c>message</c> is checked against the length limit and the rate limits (the
/// connection's and its address's) and posted to the room. The member leaves when the connection ends, however it ends.
/// </summary>
internal sealed class ChatEndpoint
{
    // Join attempts of one connection: a taken name may be retried at once, a loop of attempts may not.
    private const double JoinAttemptsPerSecond = 1;
    private const double JoinAttemptBurst = 5;

    private readonly RoomRegistry _rooms;
    private readonly AddressRateLimits _addresses;
    private readonly ServerArguments _arguments;

    public ChatEndpoint(RoomRegistry rooms, AddressRateLimits addresses, ServerArguments arguments)
    {
        _rooms = rooms;
        _addresses = addresses;
        _arguments = arguments;
    }

    /// <summary>Valid room names: 1-32 of letters, digits, '-' and '_'.</summary>
    public static bool IsValidRoomName(string name) => name.Length is > 0 and <= 32 && IsRoomNameText(name);

    public async Task RunAsync(WebSocketConnection connection, string roomName, IPAddress? remoteAddress, CancellationToken stopping)
    {
        using AddressQuota address = _addresses.Enter(remoteAddress);
        var member = new ChatMember(connection, _arguments.MaxQueue);
        Task writer = member.RunWriterAsync();
        var limiter = new RateLimiter(_arguments.MessagesPerSecond, Math.Max(1, _arguments.MessagesPerSecond * 2));
        var joinAttempts = new RateLimiter(JoinAttemptsPerSecond, JoinAttemptBurst);
        IChatRoom? room = null;
        try
        {
            while (true)
            {
                using WebSocketMessage message = await connection.ReceiveMessageAsync(stopping).ConfigureAwait(false);
                if (message.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                if (message.MessageType != WebSocketMessageType.Text)
                {
                    await connection.CloseAsync(CloseStatus.UnsupportedData, "The chat speaks JSON text", CancellationToken.None).ConfigureAwait(false);
                    return;
                }

                ChatProtocol.Request? request = ChatProtocol.Parse(message.Data.Span);
                if (request is { Type: "join" } && member.Name is null)
                {
                    if (!joinAttempts.TryTake() || !address.TryJoin())
                    {
                        ChatMetrics.Refused("join");
                        member.Send(ChatProtocol.Error("rate-limited", "Too many joins: wait a moment before joining again."));
                        continue;
                    }

                    (room, bool roomRefused) = await JoinAsync(roomName, member, request.Value.Name).ConfigureAwait(false);
                    if (roomRefused)
                    {
                        await member.CloseAfterQueuedAsync(CloseStatus.PolicyViolation, "Too many rooms: join an existing one", _arguments.Timers.Close).ConfigureAwait(false);
                        return;
                    }
                }
                else
                {
                    Handle(room, member, limiter, address, request);
                }
            }
        }
        catch (WebSocketProtocolException)
        {
            // The connection already sent the right close code (or was cut off) and dropped the transport.
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Ctrl+C: every connection is closed with 1001.
            member.Complete();
            await connection.CloseAsync(CloseStatus.GoingAway, "server shutting down", CancellationToken.None).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (connection.State == WebSocketState.Closed)
        {
            // Aborted while the receive waited (cut off, or dropped at the close timeout): nothing more to do here.
        }
        finally
        {
            if (room is not null)
            {
                await room.LeaveAsync(member).ConfigureAwait(false);
                _rooms.Leave(room);
            }

            member.Complete();
            await writer.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A <c>join</c> of a member not yet joined: enters the room and joins it, or tells the member why not. Returns the
    /// room once joined; <c>RoomRefused</c> when the room could not be opened (one too many), which ends the connection,
    /// where any other refusal may be retried.
    /// </summary>
    private async ValueTask<(IChatRoom? Room, bool RoomRefused)> JoinAsync(string roomName, ChatMember member, string? requested)
    {
        if (!Nickname.TryCreate(requested, out string? name, out string? problem))
        {
            member.Send(ChatProtocol.Error("invalid-name", problem));
            return (null, false);
        }

        IChatRoom? room = _rooms.TryEnter(roomName);
        if (room is null)
        {
            member.Send(ChatProtocol.Error("too-many-rooms", $"The server has {_arguments.MaxRooms.ToString(CultureInfo.InvariantCulture)} rooms in use already: join one of them."));
            return (null, true);
        }

        JoinOutcome outcome;
        try
        {
            outcome = await room.JoinAsync(member, name).ConfigureAwait(false);
        }
        catch
        {
            _rooms.Leave(room);
            throw;
        }

        switch (outcome)
        {
            case JoinOutcome.Joined:
                return (room, false);
            case JoinOutcome.NameTaken:
                member.Send(ChatProtocol.Error("name-taken", $"Someone in {room.Name} is already called {name} or something that looks the same; pick another name."));
                break;
            case JoinOutcome.Unavailable:
                member.Send(ChatProtocol.Error("unavailable", "The chat cannot reach its shared store right now; try again in a moment."));
                break;
        }

        _rooms.Leave(room);
        return (null, false);
    }

    private void Handle(IChatRoom? room, ChatMember member, RateLimiter limiter, AddressQuota address, ChatProtocol.Request? request)
    {
        switch (request)
        {
            case { Type: "join" }:
                member.Send(ChatProtocol.Error("already-joined", $"You are already in the room as {member.Name}."));
                break;
            case { Type: "message" } when member.Name is null || room is null:
                member.Send(ChatProtocol.Error("not-joined", "Join with a name first."));
                break;
            case { Type: "message", Text: { } text } when text.Length == 0 || text.Length > _arguments.MaxChatMessage:
                member.Send(ChatProtocol.Error("message-length", $"A message is 1 to {_arguments.MaxChatMessage.ToString(CultureInfo.InvariantCulture)} characters."));
                break;
            case { Type: "message", Text: { } text }:
                if (!limiter.TryTake())
                {
                    ChatMetrics.Refused("message");
                    member.Send(ChatProtocol.Error("rate-limited", $"Slow down: at most {_arguments.MessagesPerSecond.ToString(CultureInfo.InvariantCulture)} messages a second. That one was not sent."));
                    break;
                }

                // Many connections from one address share its rate: opening more does not buy more.
                if (!address.TryPost())
                {
                    ChatMetrics.Refused("address-message");
                    member.Send(ChatProtocol.Error("rate-limited", $"Slow down: at most {_arguments.AddressMessagesPerSecond.ToString(CultureInfo.InvariantCulture)} messages a second from one address. That one was not sent."));
                    break;
                }

                room!.Post(member, text);
                break;
            default:
                member.Send(ChatProtocol.Error("bad-request", "Send {\"type\":\"join\",\"name\":...} or {\"type\":\"message\",\"text\":...}."));
                break;
        }
    }

    private static bool IsRoomNameText(string name)
    {
        foreach (Rune rune in name.EnumerateRunes())
        {
            if (!Rune.IsLetterOrDigit(rune) && rune.Value is not ('-' or '_'))
            {
                return false;
            }
        }

        return true;
    }
}
