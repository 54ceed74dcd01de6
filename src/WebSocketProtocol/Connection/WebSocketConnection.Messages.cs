using System;
using System.Collections.Generic;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Framing;

namespace WebSocketProtocol.Connection;

/// <content>Receiving and sending messages: the receive side and the send side do the work.</content>
public sealed partial class WebSocketConnection
{
    /// <summary>
    /// Receives a whole message: a lease on a pooled buffer that stays intact until it is disposed (see
    /// <see cref="WebSocketMessage"/>). A message over <see cref="WebSocketConnectionOptions.MaxMessageSize"/> fails with 1009
    /// before it is buffered. The end of the connection comes back as a <see cref="WebSocketMessageType.Close"/> message.
    /// </summary>
    /// <param name="cancellationToken">Abandons the wait.</param>
    /// <exception cref="WebSocketProtocolException">The peer broke the protocol; the connection is closed.</exception>
    /// <exception cref="OperationCanceledException">The connection was aborted.</exception>
    /// <exception cref="InvalidOperationException">Another receive is in progress, or the peer's close was already received.</exception>
    /// <exception cref="ObjectDisposedException">The connection was disposed.</exception>
    public ValueTask<WebSocketMessage> ReceiveMessageAsync(CancellationToken cancellationToken = default) =>
        _receiver.ReceiveMessageAsync(cancellationToken);

    /// <summary>
    /// Receives the next bytes of a message into <paramref name="buffer"/>, as they arrive: a large message can be streamed
    /// in pieces without ever being held whole. The end of the connection comes back as <see cref="WebSocketMessageType.Close"/>.
    /// </summary>
    /// <param name="buffer">Where the bytes go; must not be empty.</param>
    /// <param name="cancellationToken">Abandons the wait.</param>
    /// <exception cref="WebSocketProtocolException">The peer broke the protocol; the connection is closed.</exception>
    /// <exception cref="OperationCanceledException">The connection was aborted.</exception>
    /// <exception cref="InvalidOperationException">Another receive is in progress, or the peer's close was already received.</exception>
    /// <exception cref="ObjectDisposedException">The connection was disposed.</exception>
    public ValueTask<ReceiveResult> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _receiver.ReceiveAsync(buffer, cancellationToken);

    /// <summary>
    /// Sends a whole message, in fragments of <see cref="WebSocketConnectionOptions.FragmentSize"/> when it is longer; safe
    /// from many threads at once. With permessage-deflate agreed, a message of at least its threshold is compressed, unless
    /// that would make it larger.
    /// </summary>
    /// <param name="message">The payload; text must be valid UTF-8.</param>
    /// <param name="messageType">Text or binary.</param>
    /// <param name="cancellationToken">Abandons the send.</param>
    public ValueTask SendAsync(ReadOnlyMemory<byte> message, WebSocketMessageType messageType, CancellationToken cancellationToken = default) =>
        _sender.SendAsync(message, messageType, mayCompress: true, cancellationToken);

    /// <summary>Sends a whole message; <paramref name="mayCompress"/> false sends it uncompressed even with permessage-deflate agreed.</summary>
    internal ValueTask SendAsync(ReadOnlyMemory<byte> message, WebSocketMessageType messageType, bool mayCompress, CancellationToken cancellationToken) =>
        _sender.SendAsync(message, messageType, mayCompress, cancellationToken);

    /// <summary>Sends <paramref name="text"/> as one text message.</summary>
    /// <param name="text">The text; unpaired surrogates are refused.</param>
    /// <param name="cancellationToken">Abandons the send.</param>
    public ValueTask SendTextAsync(string text, CancellationToken cancellationToken = default) => _sender.SendTextAsync(text, cancellationToken);

    /// <summary>
    /// Streams a message one fragment per call: the first call starts it with <paramref name="messageType"/>, the call with
    /// <paramref name="endOfMessage"/> set ends it. Other messages wait until it ends; control frames may go out between.
    /// </summary>
    /// <param name="fragment">The next bytes; text is validated across calls. With permessage-deflate agreed, each is compressed.</param>
    /// <param name="messageType">Text or binary; the same for every call of one message.</param>
    /// <param name="endOfMessage">Whether this fragment ends the message.</param>
    /// <param name="cancellationToken">Abandons the send.</param>
    public ValueTask SendFragmentAsync(ReadOnlyMemory<byte> fragment, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken = default) =>
        _sender.SendFragmentAsync(fragment, messageType, endOfMessage, mayCompress: true, cancellationToken);

    /// <summary>Streams a message; <paramref name="mayCompress"/>, read on its first fragment, false sends it uncompressed.</summary>
    internal ValueTask SendFragmentAsync(ReadOnlyMemory<byte> fragment, WebSocketMessageType messageType, bool endOfMessage, bool mayCompress, CancellationToken cancellationToken) =>
        _sender.SendFragmentAsync(fragment, messageType, endOfMessage, mayCompress, cancellationToken);

    /// <summary>Writes a frame encoded once for many connections (a broadcast), as a whole message.</summary>
    /// <param name="frame">A final text or binary frame.</param>
    /// <param name="cancellationToken">Abandons the send.</param>
    public ValueTask SendPreparedAsync(PreparedFrame frame, CancellationToken cancellationToken = default)
    {
        MessageSender.CheckPrepared(frame, nameof(frame));
        return _sender.SendPreparedAsync(new PreparedFrames(frame), cancellationToken);
    }

    /// <summary>
    /// Writes several prepared frames, each a whole message, in order and with one flush: for broadcasts that queued up
    /// for this connection while it was busy, which then cost the transport one wake-up instead of one each.
    /// </summary>
    /// <param name="frames">Final text or binary frames; an empty list sends nothing.</param>
    /// <param name="cancellationToken">Abandons the send.</param>
    public ValueTask SendPreparedBatchAsync(IReadOnlyList<PreparedFrame> frames, CancellationToken cancellationToken = default)
    {
        if (frames is null)
        {
            throw new ArgumentNullException(nameof(frames));
        }

        for (int i = 0; i < frames.Count; i++)
        {
            MessageSender.CheckPrepared(frames[i], nameof(frames));
        }

        return frames.Count == 0 ? default : _sender.SendPreparedAsync(new PreparedFrames(frames), cancellationToken);
    }

    /// <summary>Sends a ping carrying up to 125 bytes; the peer's pong is absorbed by the receive. Nothing goes out after our close.</summary>
    /// <param name="payload">Application data the pong will echo.</param>
    /// <param name="cancellationToken">Abandons the send.</param>
    public ValueTask PingAsync(ReadOnlyMemory<byte> payload = default, CancellationToken cancellationToken = default) =>
        _sender.PingAsync(payload, cancellationToken);

    /// <summary>A keepalive ping the timer asked for; one that cannot go out is not answered either, and the timer fails the connection.</summary>
    internal async Task SendKeepAlivePingAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(_options.KeepAliveTimeout);
            await _sender.PingAsync(ReadOnlyMemory<byte>.Empty, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is OperationCanceledException or WebSocketProtocolException || ConnectionOutput.IsTransportFailure(exception))
        {
        }
        finally
        {
            _timer?.PingDone();
        }
    }
}
