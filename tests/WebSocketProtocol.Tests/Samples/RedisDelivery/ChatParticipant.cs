using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Connection;

namespace WebSocketProtocol.Tests.Samples.RedisDelivery;

/// <summary>
/// One member of a room for the delivery tests: joined once and connected all along, reading every server message as it
/// comes (no wait is bounded, since a stalled Redis may keep a room quiet for half a minute) and keeping count. It records
/// the chat lines it receives, in order, and the fate of each message it sent: acknowledged (its own line came back, or
/// the server said <c>duplicate</c>), failed (an <c>error</c> naming its id), or still unsettled. Messages are told apart
/// by their text, which is unique ("NAME#N"), so the count also works on a server that knows nothing of ids.
/// </summary>
internal sealed class ChatParticipant : IAsyncDisposable
{
    private readonly ChatTestClient _client;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private readonly List<string> _received = new();
    private readonly Dictionary<string, string> _textById = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _idByText = new(StringComparer.Ordinal);
    private readonly HashSet<string> _acknowledged = new(StringComparer.Ordinal);
    private readonly HashSet<string> _failed = new(StringComparer.Ordinal);
    private readonly HashSet<string> _toldPending = new(StringComparer.Ordinal);
    private readonly List<string> _unmatchedErrors = new();
    private readonly List<string> _presence = new();
    private readonly List<string> _failures = new();
    private readonly Task _reading;
    private int _next;

    private ChatParticipant(string name, ChatTestClient client, IReadOnlyList<string> initialMembers)
    {
        Name = name;
        _client = client;
        InitialMembers = initialMembers;
        _reading = Task.Run(ReadAsync);
    }

    public string Name { get; }

    /// <summary>The member list of its <c>joined</c>.</summary>
    public IReadOnlyList<string> InitialMembers { get; }

    /// <summary>How the connection ended, if it did (a member of these tests must stay connected all along).</summary>
    public string? Closed { get; private set; }

    /// <summary>Chat lines received live, oldest first, as "FROM: TEXT".</summary>
    public IReadOnlyList<string> Received
    {
        get
        {
            lock (_gate)
            {
                return _received.ToArray();
            }
        }
    }

    /// <summary>Presence changes received, oldest first, as "join NAME" or "leave NAME".</summary>
    public IReadOnlyList<string> Presence
    {
        get
        {
            lock (_gate)
            {
                return _presence.ToArray();
            }
        }
    }

    /// <summary>Texts this member sent, by id.</summary>
    public IReadOnlyDictionary<string, string> Sent
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<string, string>(_textById);
            }
        }
    }

    public IReadOnlyCollection<string> Acknowledged => Snapshot(_acknowledged);

    public IReadOnlyCollection<string> Failed => Snapshot(_failed);

    /// <summary>Ids the server answered <c>pending</c> for.</summary>
    public IReadOnlyCollection<string> ToldPending => Snapshot(_toldPending);

    /// <summary>Errors that named no message of this member's (a server that does not echo ids).</summary>
    public IReadOnlyList<string> UnmatchedErrors
    {
        get
        {
            lock (_gate)
            {
                return _unmatchedErrors.ToArray();
            }
        }
    }

    /// <summary>The errors that failed this member's messages, as received.</summary>
    public IReadOnlyList<string> Failures
    {
        get
        {
            lock (_gate)
            {
                return _failures.ToArray();
            }
        }
    }

    /// <summary>Messages sent and neither acknowledged nor failed yet.</summary>
    public int Unsettled
    {
        get
        {
            lock (_gate)
            {
                return _textById.Keys.Count(id => !_acknowledged.Contains(id) && !_failed.Contains(id));
            }
        }
    }

    public static async Task<ChatParticipant> JoinAsync(Uri room, string name)
    {
        var (client, joined, _) = await ChatTestClient.JoinAsync(room, name).ConfigureAwait(false);
        return new ChatParticipant(name, client, ChatTestClient.Members(joined));
    }

    /// <summary>Sends the next message, "NAME#N" with the id "N"; returns its id.</summary>
    public async Task<string> SendNextAsync(string? suffix = null)
    {
        string id;
        string text;
        lock (_gate)
        {
            id = (_next++).ToString(System.Globalization.CultureInfo.InvariantCulture) + (suffix ?? string.Empty);
            text = Name + "#" + id;
            _textById.Add(id, text);
            _idByText.Add(text, id);
        }

        await _client.SendAsync(new { type = "message", text, id }).ConfigureAwait(false);
        return id;
    }

    /// <summary>The line as <see cref="Received"/> holds it, for a text this member sent.</summary>
    public string LineOf(string id)
    {
        lock (_gate)
        {
            return Name + ": " + _textById[id];
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _client.Dispose();
        await _reading.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Dispose();
    }

    private IReadOnlyCollection<string> Snapshot(HashSet<string> set)
    {
        lock (_gate)
        {
            return set.ToArray();
        }
    }

    private async Task ReadAsync()
    {
        try
        {
            while (true)
            {
                WebSocketMessage message = await _client.Connection.ReceiveMessageAsync(_stopping.Token).ConfigureAwait(false);
                if (message.MessageType == WebSocketMessageType.Close)
                {
                    Closed = $"closed with {(int?)message.CloseStatus} {message.CloseReason}";
                    return;
                }

                using JsonDocument document = JsonDocument.Parse(Encoding.UTF8.GetString(message.Data.Span));
                Take(document.RootElement);
            }
        }
        catch (Exception exception) when (!_stopping.IsCancellationRequested)
        {
            Closed = $"failed: {exception.GetType().Name}: {exception.Message}";
        }
        catch (Exception)
        {
            // Disposed.
        }
    }

    private void Take(JsonElement message)
    {
        string? id = message.TryGetProperty("id", out JsonElement idValue) && idValue.ValueKind == JsonValueKind.String ? idValue.GetString() : null;
        lock (_gate)
        {
            switch (message.GetProperty("type").GetString())
            {
                case "message":
                    string from = message.GetProperty("from").GetString()!;
                    string text = message.GetProperty("text").GetString()!;
                    _received.Add(from + ": " + text);
                    if (from == Name && _idByText.TryGetValue(text, out string? own))
                    {
                        _acknowledged.Add(own);
                    }

                    break;
                case "presence":
                    _presence.Add(message.GetProperty("event").GetString() + " " + message.GetProperty("name").GetString());
                    break;
                case "duplicate" when id is not null && _textById.ContainsKey(id):
                    _acknowledged.Add(id);
                    break;
                case "pending" when id is not null:
                    _toldPending.Add(id);
                    break;
                case "error" when id is not null && _textById.ContainsKey(id):
                    _failed.Add(id);
                    _failures.Add(message.ToString());
                    break;
                case "error":
                    _unmatchedErrors.Add(message.ToString());
                    break;
            }
        }
    }
}
