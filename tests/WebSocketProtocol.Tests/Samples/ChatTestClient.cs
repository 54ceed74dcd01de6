using System.Net.WebSockets;
using System;
using System.Collections.Generic;
using System.Net.Security;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Connection;
using WebSocketProtocol.Extensions.Deflate;
using WebSocketProtocol.Handshake;
using WebSocketProtocol.Transport;
using Xunit;

namespace WebSocketProtocol.Tests.Samples;

/// <summary>A chat member driven by a test: the library's client role over a real loopback socket, speaking PROTOCOL.md.</summary>
internal sealed class ChatTestClient : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    private ChatTestClient(WebSocketConnection connection) => Connection = connection;

    public WebSocketConnection Connection { get; }

    /// <summary>
    /// Connects to <paramref name="uri"/> (offering permessage-deflate, as browsers do), optionally as a page of
    /// <paramref name="origin"/>, with <paramref name="tls"/>'s certificate validation for wss://.
    /// </summary>
    public static async Task<ChatTestClient> ConnectAsync(Uri uri, string? origin = null, RemoteCertificateValidationCallback? tls = null)
    {
        var options = new WebSocketClientOptions { ServerCertificateValidation = tls };
        options.Extensions.Add(new PerMessageDeflateClientFactory());
        if (origin is not null)
        {
            options.Origin = origin;
        }

        using var timeout = new CancellationTokenSource(Bound);
        WebSocketConnection connection = await WebSocketClient.ConnectAsync(uri, options, timeout.Token).ConfigureAwait(false);
        return new ChatTestClient(connection);
    }

    /// <summary>Connects, joins as <paramref name="name"/> and reads the <c>joined</c> and <c>history</c> replies.</summary>
    public static async Task<(ChatTestClient Client, JsonElement Joined, JsonElement History)> JoinAsync(Uri uri, string name, RemoteCertificateValidationCallback? tls = null)
    {
        ChatTestClient client = await ConnectAsync(uri, tls: tls).ConfigureAwait(false);
        await client.SendAsync(new { type = "join", name }).ConfigureAwait(false);
        JsonElement joined = await client.ExpectAsync("joined").ConfigureAwait(false);
        JsonElement history = await client.ExpectAsync("history").ConfigureAwait(false);
        return (client, joined, history);
    }

    public Task SendAsync(object message) => Connection.SendTextAsync(JsonSerializer.Serialize(message)).AsTask();

    public Task SayAsync(string text) => SendAsync(new { type = "message", text });

    /// <summary>Sends <paramref name="json"/> as it is: for messages a serializer would not write.</summary>
    public Task SendRawAsync(string json) => Connection.SendTextAsync(json).AsTask();

    /// <summary>The next message, or a close as <c>{"type":"close","code":N}</c>.</summary>
    public async Task<JsonElement> NextAsync()
    {
        WebSocketMessage message = await Connection.ReceiveMessageAsync().AsTask().WaitAsync(Bound).ConfigureAwait(false);
        if (message.MessageType == WebSocketMessageType.Close)
        {
            return JsonSerializer.SerializeToElement(new { type = "close", code = (int?)message.CloseStatus, reason = message.CloseReason });
        }

        return JsonDocument.Parse(Encoding.UTF8.GetString(message.Data.Span)).RootElement.Clone();
    }

    /// <summary>The next message, which must be of <paramref name="type"/>.</summary>
    public async Task<JsonElement> ExpectAsync(string type)
    {
        JsonElement next = await NextAsync().ConfigureAwait(false);
        Assert.True(next.GetProperty("type").GetString() == type, $"Expected a {type} message, got {next}");
        return next;
    }

    /// <summary>Messages until one of <paramref name="type"/>, which is returned; the others are collected in <paramref name="skipped"/>.</summary>
    public async Task<JsonElement> SkipUntilAsync(string type, List<JsonElement>? skipped = null)
    {
        while (true)
        {
            JsonElement next = await NextAsync().ConfigureAwait(false);
            string? kind = next.GetProperty("type").GetString();
            if (kind == type)
            {
                return next;
            }

            skipped?.Add(next);
            if (kind == "close")
            {
                throw new InvalidOperationException($"The connection closed while waiting for {type}: {next}");
            }
        }
    }

    /// <summary>
    /// What a <c>presence</c> says changed: the event and the name, and only those (the member list comes with
    /// <c>joined</c> alone, so what a join costs each member does not grow with the room).
    /// </summary>
    public static (string? Event, string? Name) Change(JsonElement presence)
    {
        Assert.False(presence.TryGetProperty("members", out _), $"A presence carries the change only: {presence}");
        return (presence.GetProperty("event").GetString(), presence.GetProperty("name").GetString());
    }

    public static string[] Members(JsonElement message)
    {
        var names = new List<string>();
        foreach (JsonElement name in message.GetProperty("members").EnumerateArray())
        {
            names.Add(name.GetString()!);
        }

        return names.ToArray();
    }

    public void Dispose()
    {
        // The connection owns the socket: disposing it closes the socket too.
        Connection.Dispose();
    }
}
