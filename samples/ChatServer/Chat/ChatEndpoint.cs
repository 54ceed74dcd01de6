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
/// never joins holds no room. The join runs beside the receive loop (with Redis it may wait for the shared store), so
/// control frames are answered meanwhile. Each <c>message</c> is checked against the length limit and the rate limits
/// (the connection's and its address's) and posted to the room with its id, if it has one; a <c>typing</c> notice is
/// relayed to the others within <see cref="TypingNotices"/>' rate. The member leaves when the
/// connection ends, however it ends.
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
        var typing = new TypingNotices();
        using var membership = new Membership();
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
                    if (!membership.Joining.IsCompleted)
                    {
                        member.Send(ChatProtocol.Error("join-pending", "Your join is not settled yet: wait for its answer."));
                        continue;
                    }

                    if (!joinAttempts.TryTake() || !address.TryJoin())
                    {
                        ChatCounters.Refused("join");
                        member.Send(ChatProtocol.Error("rate-limited", "Too many joins: wait a moment before joining again."));
                        continue;
                    }

                    if (!TryStartJoin(roomName, member, request.Value.Name, membership))
                    {
                        await member.CloseAfterQueuedAsync(CloseStatus.PolicyViolation, "Too many rooms: join an existing one", _arguments.Timers.Close).ConfigureAwait(false);
                        return;
                    }
                }
                else
                {
                    Handle(membership.Room, member, limiter, typing, address, request);
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
            // A join still under way learns that nobody waits for it: the room undoes whatever of it got through.
            await membership.AbandonAsync().ConfigureAwait(false);
            if (membership.Room is { } room)
            {
                await room.LeaveAsync(member).ConfigureAwait(false);
                _rooms.Leave(room);
            }

            member.Complete();
            await writer.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A <c>join</c> of a member not yet joined: enters the room and starts joining it (the receive loop goes on meanwhile:
    /// with Redis, a join may wait for its shared store), or tells the member why not. False when the room could not be
    /// opened (one too many), which ends the connection; any other refusal may be retried.
    /// </summary>
    private bool TryStartJoin(string roomName, ChatMember member, string? requested, Membership membership)
    {
        if (!Nickname.TryCreate(requested, out string? name, out string? problem))
        {
            member.Send(ChatProtocol.Error("invalid-name", problem));
            return true;
        }

        IChatRoom? room = _rooms.TryEnter(roomName);
        if (room is null)
        {
            member.Send(ChatProtocol.Error("too-many-rooms", $"The server has {_arguments.MaxRooms.ToString(CultureInfo.InvariantCulture)} rooms in use already: join one of them."));
            return false;
        }

        // The room is set before the join runs: the member's first message may arrive right after its joined.
        membership.Room = room;
        membership.Joining = JoinAsync(room, member, name, membership);
        return true;
    }

    private async Task JoinAsync(IChatRoom room, ChatMember member, string name, Membership membership)
    {
        JoinOutcome outcome = JoinOutcome.Unavailable;
        try
        {
            outcome = await room.JoinAsync(member, name, membership.Abandoned).ConfigureAwait(false);
        }
        finally
        {
            if (outcome != JoinOutcome.Joined)
            {
                membership.Room = null;
                _rooms.Leave(room);
            }
        }

        if (membership.Abandoned.IsCancellationRequested)
        {
            return;
        }

        switch (outcome)
        {
            case JoinOutcome.NameTaken:
                member.Send(ChatProtocol.Error("name-taken", $"Someone in {room.Name} is already called {name} or something that looks the same; pick another name."));
                break;
            case JoinOutcome.Unavailable:
                member.Send(ChatProtocol.Error("unavailable", "The chat cannot reach its shared store right now, and you did not join; try again in a moment."));
                break;
        }
    }

    private void Handle(IChatRoom? room, ChatMember member, RateLimiter limiter, TypingNotices typing, AddressQuota address, ChatProtocol.Request? request)
    {
        // An id is echoed in every answer about its message; one that is not a valid id is refused before anything else.
        string? id = request?.Id;
        switch (request)
        {
            case { Type: "message", Id: { } given } when !ChatProtocol.IsValidMessageId(given):
                member.Send(ChatProtocol.Error("bad-request", $"A message id is 1 to {ChatProtocol.MaxMessageIdLength.ToString(CultureInfo.InvariantCulture)} letters, digits, '-' or '_'."));
                break;
            case { Type: "join" }:
                member.Send(ChatProtocol.Error("already-joined", $"You are already in the room as {member.Name}."));
                break;
            case { Type: "typing" }:
                // A hint, not a request: one before joining, or past the rate, is dropped without an answer.
                if (member.Name is not null && room is not null && typing.TryRelay())
                {
                    room.Typing(member);
                }

                break;
            case { Type: "message" } when member.Name is null || room is null:
                member.Send(ChatProtocol.Error("not-joined", "Join with a name first.", id));
                break;
            case { Type: "message", Text: { } text } when text.Length == 0 || text.Length > _arguments.MaxChatMessage:
                member.Send(ChatProtocol.Error("message-length", $"A message is 1 to {_arguments.MaxChatMessage.ToString(CultureInfo.InvariantCulture)} characters.", id));
                break;
            case { Type: "message", Text: { } text }:
                if (!limiter.TryTake())
                {
                    ChatCounters.Refused("message");
                    member.Send(ChatProtocol.Error("rate-limited", $"Slow down: at most {_arguments.MessagesPerSecond.ToString(CultureInfo.InvariantCulture)} messages a second. That one was not sent.", id));
                    break;
                }

                // Many connections from one address share its rate: opening more does not buy more.
                if (!address.TryPost())
                {
                    ChatCounters.Refused("address-message");
                    member.Send(ChatProtocol.Error("rate-limited", $"Slow down: at most {_arguments.AddressMessagesPerSecond.ToString(CultureInfo.InvariantCulture)} messages a second from one address. That one was not sent.", id));
                    break;
                }

                room!.Post(member, text, id);
                break;
            default:
                member.Send(ChatProtocol.Error("bad-request", "Send {\"type\":\"join\",\"name\":...}, {\"type\":\"message\",\"text\":...,\"id\":...} or {\"type\":\"typing\"}.", id is not null && ChatProtocol.IsValidMessageId(id) ? id : null));
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

    /// <summary>The room a connection is in (or joining) and its join under way, shared by the receive loop and the join.</summary>
    private sealed class Membership : IDisposable
    {
        private readonly CancellationTokenSource _abandoned = new();
        private volatile IChatRoom? _room;

        /// <summary>The room entered for the join under way or done; null when not joined.</summary>
        public IChatRoom? Room
        {
            get => _room;
            set => _room = value;
        }

        /// <summary>The last join started; completed when none is under way.</summary>
        public Task Joining { get; set; } = Task.CompletedTask;

        /// <summary>Cancelled when the connection ends.</summary>
        public CancellationToken Abandoned => _abandoned.Token;

        /// <summary>Tells a join under way that the connection ended, and waits for it to finish.</summary>
        public async Task AbandonAsync()
        {
            await _abandoned.CancelAsync().ConfigureAwait(false);
            await Joining.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        public void Dispose() => _abandoned.Dispose();
    }
}
