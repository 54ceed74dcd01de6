using System.Net.WebSockets;
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol;
using WebSocketProtocol.Connection;

namespace ChatClient;

/// <summary>
/// One member's session in a room over a connected <see cref="WebSocketConnection"/>, speaking
/// samples/ChatServer/PROTOCOL.md: a receive loop prints the room, while lines read from the input are said in it.
/// </summary>
internal sealed class ChatSession
{
    public const int ExitLeft = 0;
    public const int ExitNoConnection = 1;
    public const int ExitUsage = 2;
    public const int ExitClosedByServer = 3;
    public const int ExitNameRefused = 4;

    private readonly WebSocketConnection _connection;
    private readonly TextWriter _output;
    private volatile bool _closing;
    private bool _joined;

    // The room's names: the list joined gave, changed by each presence since.
    private readonly HashSet<string> _members = new(StringComparer.Ordinal);

    public ChatSession(WebSocketConnection connection, TextWriter output)
    {
        _connection = connection;
        _output = output;
    }

    /// <summary>
    /// Joins as <paramref name="name"/>, then says each line of <paramref name="input"/> until <c>/quit</c>, the end of
    /// the input or <paramref name="quit"/> (Ctrl+C), and leaves with a 1000 close. Returns the process exit code.
    /// </summary>
    public async Task<int> RunAsync(string name, TextReader input, CancellationToken quit)
    {
        await SendAsync("join", "name", name).ConfigureAwait(false);
        Task<int> receiving = ReceiveAsync();
        var quitting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using CancellationTokenRegistration onQuit = quit.Register(() => quitting.TrySetResult());
        Task<string?>? reading = null;
        while (true)
        {
            // Console reads block and cannot be cancelled: each runs on its own thread while the room or Ctrl+C may end the session first.
            reading ??= Task.Run(input.ReadLine, CancellationToken.None);
            Task first = await Task.WhenAny(reading, receiving, quitting.Task).ConfigureAwait(false);
            if (first == receiving)
            {
                return await receiving.ConfigureAwait(false);
            }

            if (first == quitting.Task)
            {
                break;
            }

            string? line = await reading.ConfigureAwait(false);
            reading = null;
            if (line is null || line.Trim() == "/quit")
            {
                break;
            }

            if (line.Length > 0)
            {
                try
                {
                    await SendAsync("message", "text", line).ConfigureAwait(false);
                }
                catch (Exception exception) when (exception is WebSocketProtocolException or InvalidOperationException)
                {
                    // The connection ended under the send: the receive loop reports how.
                    return await receiving.ConfigureAwait(false);
                }
            }
        }

        _closing = true;
        await _connection.CloseAsync(CloseStatus.NormalClosure, "bye", CancellationToken.None).ConfigureAwait(false);
        return await receiving.ConfigureAwait(false);
    }

    private Task SendAsync(string type, string field, string value)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", type);
            writer.WriteString(field, value);
            writer.WriteEndObject();
        }

        return _connection.SendAsync(buffer.WrittenMemory, WebSocketMessageType.Text).AsTask();
    }

    /// <summary>Prints what the room sends until the connection ends; returns the exit code that ending means.</summary>
    private async Task<int> ReceiveAsync()
    {
        try
        {
            while (true)
            {
                using WebSocketMessage message = await _connection.ReceiveMessageAsync().ConfigureAwait(false);
                if (message.MessageType == WebSocketMessageType.Close)
                {
                    int code = (int)(message.CloseStatus ?? CloseStatus.NoStatusReceived);
                    _output.WriteLine($"closed {code.ToString(CultureInfo.InvariantCulture)} {Printable(message.CloseReason)}".TrimEnd());
                    return _closing ? ExitLeft : ExitClosedByServer;
                }

                if (message.MessageType == WebSocketMessageType.Text && Show(message.Data.Span) is string refused)
                {
                    // The name was refused before joining: nothing more to do in this room.
                    _closing = true;
                    await _connection.CloseAsync(CloseStatus.NormalClosure, refused, CancellationToken.None).ConfigureAwait(false);
                    return ExitNameRefused;
                }
            }
        }
        catch (WebSocketProtocolException exception)
        {
            _output.WriteLine($"connection lost: {exception.Message}");
            return ExitClosedByServer;
        }
    }

    /// <summary>Prints one server message; returns the error code when it refuses the name this session joins with.</summary>
    private string? Show(ReadOnlySpan<byte> json)
    {
        JsonElement root;
        try
        {
            using JsonDocument document = JsonDocument.Parse(json.ToArray());
            root = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            _output.WriteLine("(a message that is not JSON)");
            return null;
        }

        switch (Text(root, "type"))
        {
            case "joined":
                _joined = true;
                _output.WriteLine($"joined {Text(root, "room")} as {Text(root, "name")}");
                _members.Clear();
                _members.UnionWith(MemberNames(root));
                _output.WriteLine($"members: {MemberList()}");
                break;
            case "history" when root.TryGetProperty("messages", out JsonElement history) && history.ValueKind == JsonValueKind.Array:
                foreach (JsonElement entry in history.EnumerateArray())
                {
                    ShowMessage(entry);
                }

                break;
            case "message":
                ShowMessage(root);
                break;
            case "presence":
                // Only the change comes: the list is kept here from the one in joined.
                bool arrived = Text(root, "event") == "join";
                if (arrived)
                {
                    _members.Add(Text(root, "name"));
                }
                else
                {
                    _members.Remove(Text(root, "name"));
                }

                _output.WriteLine($"* {Text(root, "name")} {(arrived ? "joined" : "left")}; members: {MemberList()}");
                break;
            case "error":
                string code = Text(root, "code");
                _output.WriteLine($"error {code}: {Text(root, "message")}");
                return !_joined && code is "name-taken" or "invalid-name" ? code : null;
        }

        return null;
    }

    private void ShowMessage(JsonElement entry)
    {
        string time = DateTimeOffset.TryParse(Text(entry, "time"), CultureInfo.InvariantCulture, DateTimeStyles.None, out DateTimeOffset stamp)
            ? stamp.ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture)
            : "--:--:--";
        _output.WriteLine($"[{time}] {Text(entry, "from")}: {Text(entry, "text")}");
    }

    private static IEnumerable<string> MemberNames(JsonElement message) =>
        message.TryGetProperty("members", out JsonElement members) && members.ValueKind == JsonValueKind.Array
            ? members.EnumerateArray().Select(member => Printable(member.ValueKind == JsonValueKind.String ? member.GetString() : null))
            : [];

    private string MemberList() => string.Join(", ", _members.Order(StringComparer.OrdinalIgnoreCase));

    /// <summary>A string field as it may be printed: absent or not a string is empty.</summary>
    private static string Text(JsonElement message, string field) =>
        Printable(message.ValueKind == JsonValueKind.Object && message.TryGetProperty(field, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null);

    /// <summary>
    /// Other people's text with its control characters replaced, so that nobody can move the cursor, clear the screen or
    /// retitle the terminal with an escape sequence: the console's counterpart of the page's textContent.
    /// </summary>
    private static string Printable(string? text)
    {
        if (string.IsNullOrEmpty(text) || !text.Any(char.IsControl))
        {
            return text ?? string.Empty;
        }

        var builder = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            builder.Append(c is '\t' or '\n' or '\r' ? ' ' : char.IsControl(c) ? '\uFFFD' : c);
        }

        return builder.ToString();
    }
}
