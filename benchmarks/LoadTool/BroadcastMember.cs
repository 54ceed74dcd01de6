using System;
using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Framing;

namespace WebSocketProtocol.LoadTool;

/// <summary>
/// One member of a broadcast run after the handshake: it joins with a masked <c>join</c> (the library's client-role
/// <see cref="FrameWriter"/>), and a receiver parses the server's frames with
/// <see cref="FrameHeader.TryParse(in ReadOnlySequence{byte}, out FrameHeader, out int)"/> and their JSON with
/// <see cref="Utf8JsonReader"/>: <c>joined</c> completes the join, <c>message</c> events must carry the sequence numbers
/// 1, 2, 3 ... in order in a text of the expected length, <c>history</c> and <c>presence</c> are ignored, and anything
/// else (an <c>error</c>, a close the member did not ask for, a control frame, a fragment) is an error.
/// </summary>
public sealed class BroadcastMember : IDisposable
{
    private readonly Socket _socket;
    private readonly PipeReader _input;
    private readonly int _size;
    private readonly Action _progress;
    private readonly byte[] _text;
    private readonly TaskCompletionSource _joined = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _failed = new();
    private long _received;
    private long _lastAt;
    private long _outOfOrder;
    private long _missing;
    private volatile bool _closing;
    private Task _receiver = Task.CompletedTask;

    /// <summary>Wraps a connected, upgraded <paramref name="socket"/>; <paramref name="progress"/> is called after each batch of frames that brought a message.</summary>
    public BroadcastMember(Socket socket, string name, int size, Action progress)
    {
        _socket = socket ?? throw new ArgumentNullException(nameof(socket));
        Name = name ?? throw new ArgumentNullException(nameof(name));
        _progress = progress ?? throw new ArgumentNullException(nameof(progress));
        _size = size;
        _text = new byte[size];
        _input = PipeReader.Create(new NetworkStream(socket, ownsSocket: false), new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 4096));
    }

    /// <summary>The nickname.</summary>
    public string Name { get; }

    /// <summary>The highest sequence number received so far.</summary>
    public long Received => Volatile.Read(ref _received);

    /// <summary>When (a <see cref="Stopwatch"/> timestamp) the last message in order arrived.</summary>
    public long LastAt => Volatile.Read(ref _lastAt);

    /// <summary>Messages that arrived with a sequence number not above one already received.</summary>
    public long OutOfOrder => Volatile.Read(ref _outOfOrder);

    /// <summary>Sequence numbers skipped over.</summary>
    public long Missing => Volatile.Read(ref _missing);

    /// <summary>The first thing that went wrong, or <see langword="null"/>.</summary>
    public string? Error { get; private set; }

    /// <summary>Starts receiving, sends <c>join</c> and waits for <c>joined</c>.</summary>
    public async Task JoinAsync(CancellationToken cancellationToken)
    {
        _receiver = Task.Run(ReceiveAsync, CancellationToken.None);
        byte[] join = Encoding.UTF8.GetBytes($"{{\"type\":\"join\",\"name\":\"{Name}\"}}");
        await SendAsync(Frame(Opcode.Text, join), cancellationToken).ConfigureAwait(false);
        await _joined.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends bytes already framed (masked) on this member's connection.</summary>
    public async Task SendAsync(ReadOnlyMemory<byte> frames, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _failed.Token);
        await _socket.SendAsync(frames, SocketFlags.None, linked.Token).ConfigureAwait(false);
    }

    /// <summary>Sends a close with 1000 and waits for the server's close, within <paramref name="timeout"/>.</summary>
    public async Task CloseAsync(TimeSpan timeout)
    {
        if (Error is not null)
        {
            return;
        }

        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            _closing = true;
            var close = new ArrayBufferWriter<byte>();
            new FrameWriter(close, WebSocketRole.Client).WriteClose(CloseStatus.NormalClosure);
            await _socket.SendAsync(close.WrittenMemory, SocketFlags.None, deadline.Token).ConfigureAwait(false);
            await _receiver.WaitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            Fail($"the close took longer than {timeout.TotalSeconds} s");
        }
        catch (SocketException exception)
        {
            Fail("close: " + exception.Message);
        }
    }

    /// <summary>Closes the socket.</summary>
    public void Dispose()
    {
        Fail(null);
        _socket.Dispose();
        _input.Complete();
        _failed.Dispose();
    }

    /// <summary>One masked client frame of <paramref name="opcode"/> carrying <paramref name="payload"/>.</summary>
    public static ReadOnlyMemory<byte> Frame(Opcode opcode, ReadOnlySpan<byte> payload)
    {
        var output = new ArrayBufferWriter<byte>(payload.Length + 14);
        new FrameWriter(output, WebSocketRole.Client).WriteFrame(opcode, payload);
        return output.WrittenMemory;
    }

    private async Task ReceiveAsync()
    {
        try
        {
            while (true)
            {
                ReadResult result = await _input.ReadAsync(_failed.Token).ConfigureAwait(false);
                ReadOnlySequence<byte> buffer = result.Buffer;
                long before = _received;
                bool closed = false;
                while (!closed && Error is null && TryTakeFrame(ref buffer, out closed))
                {
                }

                _input.AdvanceTo(buffer.Start, buffer.End);
                if (_received != before)
                {
                    _progress();
                }

                if (closed || Error is not null)
                {
                    return;
                }

                if (result.IsCompleted)
                {
                    Fail("the server closed the connection without a close frame");
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (_failed.IsCancellationRequested)
        {
        }
        catch (Exception exception) when (exception is System.IO.IOException or SocketException or ObjectDisposedException or WebSocketProtocolException or InvalidOperationException)
        {
            Fail("receive: " + exception.Message);
        }
    }

    private bool TryTakeFrame(ref ReadOnlySequence<byte> buffer, out bool closed)
    {
        closed = false;
        if (!WireFrames.TryTake(ref buffer, out FrameHeader header, out ReadOnlySequence<byte> payload))
        {
            return false;
        }

        if (header.Opcode == Opcode.Close)
        {
            closed = true;
            if (!_closing)
            {
                Fail($"the server closed the connection ({header})");
            }

            return true;
        }

        if (header.Opcode != Opcode.Text || !header.IsFinal || header.IsMasked)
        {
            Fail($"expected a final unmasked text frame, got {header}");
            return false;
        }

        try
        {
            HandleEvent(payload);
        }
        catch (JsonException exception)
        {
            Fail("not JSON: " + exception.Message);
        }

        return true;
    }

    private void HandleEvent(ReadOnlySequence<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 8 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            Fail("an event is not a JSON object");
            return;
        }

        bool isMessage = false;
        int textLength = -1;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool type = reader.ValueTextEquals("type"u8);
            bool text = !type && reader.ValueTextEquals("text"u8);
            reader.Read();
            if (type)
            {
                if (reader.ValueTextEquals("message"u8))
                {
                    isMessage = true;
                    continue;
                }

                if (reader.ValueTextEquals("joined"u8))
                {
                    _joined.TrySetResult();
                }
                else if (!reader.ValueTextEquals("presence"u8) && !reader.ValueTextEquals("history"u8))
                {
                    Fail("unexpected event: " + Encoding.UTF8.GetString(json.Length > 300 ? json.Slice(0, 300) : json));
                }

                return;
            }

            if (text && reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped)
            {
                long length = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
                if (length == _size)
                {
                    if (reader.HasValueSequence)
                    {
                        reader.ValueSequence.CopyTo(_text);
                    }
                    else
                    {
                        reader.ValueSpan.CopyTo(_text);
                    }
                }

                textLength = (int)Math.Min(length, int.MaxValue);
            }
            else
            {
                reader.Skip();
            }
        }

        if (isMessage)
        {
            CheckMessage(textLength);
        }
    }

    private void CheckMessage(int textLength)
    {
        if (textLength != _size || !Utf8Parser.TryParse(_text.AsSpan(0, BroadcastOptions.MinSize), out long sequence, out int digits) || digits != BroadcastOptions.MinSize)
        {
            Fail($"after message {_received} came a message whose text is not {_size} characters starting with a 10-digit sequence number");
            return;
        }

        long expected = _received + 1;
        if (sequence < expected)
        {
            Volatile.Write(ref _outOfOrder, _outOfOrder + 1);
            Error ??= $"message {sequence} arrived after message {_received}";
            return;
        }

        if (sequence > expected)
        {
            Volatile.Write(ref _missing, _missing + (sequence - expected));
            Error ??= $"messages {expected} to {sequence - 1} are missing";
        }

        Volatile.Write(ref _lastAt, Stopwatch.GetTimestamp());
        Volatile.Write(ref _received, sequence);
    }

    private void Fail(string? error)
    {
        if (error is not null)
        {
            Error ??= error;
            _joined.TrySetException(new InvalidOperationException(error));
        }

        try
        {
            _failed.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
