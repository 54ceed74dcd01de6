using System;
using System.Diagnostics;
using System.Diagnostics.Tracing;
using System.IO.Pipelines;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Extensions.Deflate;
using WebSocketProtocol.Handshake;
using WebSocketProtocol.Tests.Support;
using Xunit;

namespace WebSocketProtocol.Tests.Diagnostics;

/// <summary>
/// Server handshakes over real loopback sockets, watched through the library's meter, activity source and event source:
/// each outcome and status is counted and timed, a refusal is logged with its reason and peer, and the handshake's
/// activity continues the W3C trace context the request brought.
/// </summary>
[Collection(RunsAloneCollection.Name)]
public sealed class HandshakeTelemetryTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private const string Key = "dGhlIHNhbXBsZSBub25jZQ==";

    [Theory]
    [InlineData("accepted", 101, "accepted")]
    [InlineData("malformed", 400, "rejected")]
    [InlineData("origin", 403, "rejected")]
    [InlineData("post", 405, "rejected")]
    [InlineData("timeout", 408, "rejected")]
    [InlineData("version", 426, "rejected")]
    [InlineData("headers", 431, "rejected")]
    [InlineData("plain", 0, "not_websocket")]
    public async Task Every_server_handshake_is_counted_and_timed_by_outcome_and_status_and_a_refusal_is_logged_with_its_peer(string request, int status, string outcome)
    {
        using var telemetry = new TelemetryCollector();
        var options = new WebSocketServerOptions { HandshakeTimeout = TimeSpan.FromMilliseconds(300) };
        (ServerHandshakeResult result, IPEndPoint client) = await HandshakeAsync(RequestFor(request), options);

        Assert.Equal(status, result.StatusCode);
        (string, object?)[] tags = status == 0
            ? [("websocket.role", "server"), ("websocket.handshake.outcome", outcome)]
            : [("websocket.role", "server"), ("websocket.handshake.outcome", outcome), ("http.response.status_code", status)];
        TelemetryCollector.Measurement counted = Assert.Single(telemetry.Of("websocket.handshakes"));
        Assert.True(counted.Has(tags), counted.ToString());
        Assert.Equal(status == 0, counted.Tag("http.response.status_code") is null);
        TelemetryCollector.Measurement timed = Assert.Single(telemetry.Of("websocket.handshake.duration"));
        Assert.True(timed.Has(tags), timed.ToString());
        Assert.Equal("s", timed.Unit);
        Assert.True(timed.Value > 0);

        EventWrittenEventArgs[] refusals = telemetry.Events.Where(e => e.EventName == "HandshakeRefused").ToArray();
        if (outcome == "rejected")
        {
            EventWrittenEventArgs refusal = Assert.Single(refusals);
            Assert.Equal(EventLevel.Informational, refusal.Level);
            Assert.Equal("server", refusal.Payload![0]);
            Assert.Equal(status, refusal.Payload[1]);
            Assert.Equal(result.Error.ToString(), refusal.Payload[2]);
            Assert.Equal(client.ToString(), refusal.Payload[3]);
        }
        else
        {
            Assert.Empty(refusals);
        }
    }

    [Fact]
    public async Task A_handshake_activity_continues_the_requests_trace_context_and_carries_path_subprotocol_extensions_and_outcome()
    {
        using var telemetry = new TelemetryCollector();
        var traceId = ActivityTraceId.CreateRandom();
        var parentSpan = ActivitySpanId.CreateRandom();
        var options = new WebSocketServerOptions();
        options.SubProtocols.Add("chat.v1");
        options.Extensions.Add(new PerMessageDeflateServerFactory());
        string request = Upgrade("/rooms/lobby?x=1",
            "Sec-WebSocket-Protocol: chat.v1", "Sec-WebSocket-Extensions: permessage-deflate",
            $"traceparent: 00-{traceId}-{parentSpan}-01", "tracestate: vendor=1");

        (ServerHandshakeResult result, _) = await HandshakeAsync(request, options);

        Assert.Equal(HandshakeOutcome.Accepted, result.Outcome);
        Activity activity = Assert.Single(telemetry.Activities);
        Assert.Equal("websocket.handshake", activity.OperationName);
        Assert.Equal(ActivityKind.Server, activity.Kind);
        Assert.Equal(traceId, activity.TraceId);
        Assert.Equal(parentSpan, activity.ParentSpanId);
        Assert.Equal("vendor=1", activity.TraceStateString);
        Assert.Equal("/rooms/lobby", activity.GetTagItem("url.path"));
        Assert.Equal("chat.v1", activity.GetTagItem("websocket.subprotocol"));
        Assert.Equal("permessage-deflate", activity.GetTagItem("websocket.extensions"));
        Assert.Equal("accepted", activity.GetTagItem("websocket.handshake.outcome"));
        Assert.Equal(101, activity.GetTagItem("http.response.status_code"));
        Assert.Equal(ActivityStatusCode.Unset, activity.Status);
        Assert.True(activity.Duration > TimeSpan.Zero);
    }

    [Fact]
    public async Task A_refused_handshakes_activity_starts_a_trace_of_its_own_and_records_the_error()
    {
        using var telemetry = new TelemetryCollector();
        (ServerHandshakeResult result, _) = await HandshakeAsync(RequestFor("version") + string.Empty, new WebSocketServerOptions());

        Assert.Equal(426, result.StatusCode);
        Activity activity = Assert.Single(telemetry.Activities);
        Assert.Equal(default, activity.ParentSpanId);
        Assert.Equal("rejected", activity.GetTagItem("websocket.handshake.outcome"));
        Assert.Equal(nameof(HandshakeError.UnsupportedVersion), activity.GetTagItem("error.type"));
        Assert.Equal(ActivityStatusCode.Error, activity.Status);
    }

    [Fact]
    public async Task A_client_handshake_sends_its_trace_context_so_the_servers_handshake_continues_the_clients_trace()
    {
        using var telemetry = new TelemetryCollector();
        using var application = new Activity("application work").Start();
        var options = new WebSocketServerOptions();
        options.SubProtocols.Add("chat.v1");
        var client = new WebSocketClientOptions();
        client.SubProtocols.Add("chat.v1");

        (ServerHandshakeResult server, ClientHandshakeResult accepted) = await ClientAndServerAsync(options, client);

        Assert.Equal(HandshakeOutcome.Accepted, server.Outcome);
        Assert.Equal("chat.v1", accepted.SubProtocol);
        Activity clientActivity = Assert.Single(telemetry.Activities, a => a.Kind == ActivityKind.Client);
        Activity serverActivity = Assert.Single(telemetry.Activities, a => a.Kind == ActivityKind.Server);
        Assert.Equal(application.TraceId, clientActivity.TraceId);
        Assert.Equal(application.SpanId, clientActivity.ParentSpanId);
        Assert.Equal(clientActivity.TraceId, serverActivity.TraceId);
        Assert.Equal(clientActivity.SpanId, serverActivity.ParentSpanId);
        Assert.Equal("accepted", clientActivity.GetTagItem("websocket.handshake.outcome"));
        Assert.Equal("chat.v1", clientActivity.GetTagItem("websocket.subprotocol"));
        Assert.Same(application, Activity.Current);

        Assert.Equal(1, telemetry.Sum("websocket.handshakes", ("websocket.role", "client"), ("websocket.handshake.outcome", "accepted"), ("http.response.status_code", 101)));
        Assert.Equal(1, telemetry.Sum("websocket.handshakes", ("websocket.role", "server"), ("websocket.handshake.outcome", "accepted"), ("http.response.status_code", 101)));
        Assert.Single(telemetry.Of("websocket.handshake.duration"), m => m.Has(("websocket.role", "client")));
    }

    [Fact]
    public async Task A_client_handshake_the_server_refuses_is_counted_with_its_status_and_logged()
    {
        using var telemetry = new TelemetryCollector();
        var options = new WebSocketServerOptions { RequestFilter = _ => HandshakeError.RejectedByApplication };

        await Assert.ThrowsAsync<WebSocketConnectException>(() => ClientAndServerAsync(options, new WebSocketClientOptions()));

        Assert.Equal(1, telemetry.Sum("websocket.handshakes", ("websocket.role", "client"), ("websocket.handshake.outcome", "rejected"), ("http.response.status_code", 403)));
        EventWrittenEventArgs refusal = Assert.Single(telemetry.Events, e => e.EventName == "HandshakeRefused" && (string?)e.Payload![0] == "client");
        Assert.Equal(403, refusal.Payload![1]);
        Assert.Equal(nameof(WebSocketConnectError.HandshakeRefused), refusal.Payload[2]);
        Activity clientActivity = Assert.Single(telemetry.Activities, a => a.Kind == ActivityKind.Client);
        Assert.Equal(ActivityStatusCode.Error, clientActivity.Status);
    }

    /// <summary>A client handshake (the library's, over a socket's pipes) against a server handshake on the other end.</summary>
    private static async Task<(ServerHandshakeResult Server, ClientHandshakeResult Client)> ClientAndServerAsync(WebSocketServerOptions options, WebSocketClientOptions client)
    {
        using var deadline = new CancellationTokenSource(Bound);
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using var connecting = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await connecting.ConnectAsync(listener.LocalEndPoint!, deadline.Token);
        using Socket accepted = await listener.AcceptAsync(deadline.Token);
        using var serverStream = new NetworkStream(accepted, ownsSocket: false);
        using var clientStream = new NetworkStream(connecting, ownsSocket: false);
        Task<ServerHandshakeResult> server = HandshakeNegotiator.AcceptAsync(PipeReader.Create(serverStream), PipeWriter.Create(serverStream), options, accepted.RemoteEndPoint, deadline.Token).AsTask();
        var uri = new Uri($"ws://127.0.0.1:{((IPEndPoint)listener.LocalEndPoint!).Port}/chat");
        try
        {
            ClientHandshakeResult result = await HandshakeNegotiator.ConnectAsync(PipeReader.Create(clientStream), PipeWriter.Create(clientStream), uri, client, deadline.Token);
            return (await server, result);
        }
        finally
        {
            await server.WaitAsync(deadline.Token);
        }
    }

    private static string RequestFor(string kind) => kind switch
    {
        "accepted" => Upgrade("/"),
        "malformed" => "GET / HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n\r\n",
        "origin" => Upgrade("/", "Origin: http://elsewhere.example"),
        "post" => Upgrade("/").Replace("GET ", "POST ", StringComparison.Ordinal),
        "timeout" => "GET / HTTP/1.1\r\nHost: example.com\r\n",
        "version" => Upgrade("/").Replace("Sec-WebSocket-Version: 13", "Sec-WebSocket-Version: 8", StringComparison.Ordinal),
        "headers" => Upgrade("/", Enumerable.Range(0, 200).Select(i => $"X-Field-{i}: x").ToArray()),
        "plain" => "GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static string Upgrade(string path, params string[] extra) =>
        $"GET {path} HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {Key}\r\nSec-WebSocket-Version: 13\r\n" +
        string.Concat(extra.Select(line => line + "\r\n")) + "\r\n";

    /// <summary>One handshake: a raw client on loopback sends <paramref name="request"/>; the server side runs it with the client's address.</summary>
    private static async Task<(ServerHandshakeResult Result, IPEndPoint Client)> HandshakeAsync(string request, WebSocketServerOptions options)
    {
        using var deadline = new CancellationTokenSource(Bound);
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!, deadline.Token);
        using Socket accepted = await listener.AcceptAsync(deadline.Token);
        await client.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None, deadline.Token);

        using var stream = new NetworkStream(accepted, ownsSocket: false);
        PipeReader input = PipeReader.Create(stream);
        PipeWriter output = PipeWriter.Create(stream);
        ServerHandshakeResult result = await HandshakeNegotiator.AcceptAsync(input, output, options, accepted.RemoteEndPoint, deadline.Token).AsTask().WaitAsync(deadline.Token);
        foreach (var extension in result.Extensions)
        {
            extension.Dispose();
        }

        return (result, (IPEndPoint)client.LocalEndPoint!);
    }
}
