using System;
using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

namespace WebSocketProtocol.Handshake;

/// <summary>
/// Runs the opening handshake over a pair of pipes. The request head is scanned as it arrives, each byte once; bytes that
/// follow the head (a first frame sent right behind it) stay in the pipe for the <see cref="Framing.FrameReader"/>.
/// </summary>
public static class HandshakeNegotiator
{
    /// <summary>
    /// Reads one request head from <paramref name="input"/>, answers it on <paramref name="output"/> and flushes.
    /// Accepted: the pipes now carry WebSocket frames. Rejected: the error response was sent and both pipes are completed,
    /// closing the connection. NotWebSocket: the head was consumed and is returned for the application to answer.
    /// </summary>
    /// <param name="input">The connection's incoming bytes.</param>
    /// <param name="output">The connection's outgoing bytes.</param>
    /// <param name="options">The server's policy and limits.</param>
    /// <param name="cancellationToken">Abandons the handshake.</param>
#if NET6_0_OR_GREATER
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
#endif
    public static async ValueTask<ServerHandshakeResult> AcceptAsync(PipeReader input, PipeWriter output, WebSocketServerOptions options, CancellationToken cancellationToken = default)
    {
        if (input is null)
        {
            throw new ArgumentNullException(nameof(input));
        }

        if (output is null)
        {
            throw new ArgumentNullException(nameof(output));
        }

        if (options is null)
        {
            throw new ArgumentNullException(nameof(options));
        }

        var scanner = new HttpHeadScanner(options.MaxRequestLineLength, options.MaxHeaderCount, options.MaxHeadLength);
        CancellationTokenSource? timeout = null;
        try
        {
            while (true)
            {
                ReadResult read;
                if (!input.TryRead(out read))
                {
                    // The timer is armed only when the head is not already here, so a pipelined handshake costs no allocation.
                    timeout ??= CreateTimeout(options.HandshakeTimeout, cancellationToken);
                    try
                    {
                        read = await input.ReadAsync(timeout?.Token ?? cancellationToken).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (timeout is not null && timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                    {
                        return await RejectAsync(input, output, HandshakeError.Timeout).ConfigureAwait(false);
                    }
                }

                ReadOnlySequence<byte> buffer = read.Buffer;
                HeadScanStatus status = scanner.Scan(buffer);
                if (status == HeadScanStatus.Complete)
                {
                    ReadOnlySequence<byte> head = buffer.Slice(0, scanner.HeadLength);
                    ServerHandshakeResult result = NegotiateHead(head, options, output);
                    input.AdvanceTo(head.End);
                    if (result.Outcome == HandshakeOutcome.Rejected)
                    {
                        await CloseAfterRejectionAsync(input, output).ConfigureAwait(false);
                    }
                    else
                    {
                        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                    }

                    return result;
                }

                if (status != HeadScanStatus.NeedMore)
                {
                    input.AdvanceTo(buffer.End);
                    return await RejectAsync(input, output, ToError(status)).ConfigureAwait(false);
                }

                if (read.IsCompleted)
                {
                    input.AdvanceTo(buffer.End);
                    return await RejectAsync(input, output, HandshakeError.MalformedRequest).ConfigureAwait(false);
                }

                // Nothing before the end can complete the head: wait for new bytes without re-reading these.
                input.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        finally
        {
            timeout?.Dispose();
        }
    }

    /// <summary>
    /// Writes the upgrade request for <paramref name="uri"/>, flushes, and reads and checks the server's response. On success the
    /// pipes carry WebSocket frames, and any bytes the server sent right behind its 101 stay in <paramref name="input"/>.
    /// Give the result to a <see cref="Connection.WebSocketConnection"/> over the same pipes (client options) so that the
    /// subprotocol and the extensions agreed apply to its frames.
    /// </summary>
    /// <param name="input">The connection's incoming bytes.</param>
    /// <param name="output">The connection's outgoing bytes.</param>
    /// <param name="uri">The <c>ws://</c> or <c>wss://</c> URI requested.</param>
    /// <param name="options">What to offer; <see langword="null"/> for the defaults. Only the handshake's settings are read.</param>
    /// <param name="cancellationToken">Abandons the handshake.</param>
    /// <exception cref="WebSocketConnectException">
    /// The server refused or answered something invalid, closed the connection first (or the pipes failed with an
    /// <see cref="System.IO.IOException"/>), or the handshake timed out.
    /// </exception>
    public static async ValueTask<ClientHandshakeResult> ConnectAsync(PipeReader input, PipeWriter output, Uri uri, WebSocketClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (input is null)
        {
            throw new ArgumentNullException(nameof(input));
        }

        if (output is null)
        {
            throw new ArgumentNullException(nameof(output));
        }

        options ??= new WebSocketClientOptions();
        byte[] key = new byte[WebSocketAccept.KeyLength];
        ClientHandshake.WriteRequest(output, uri, options, key);
        using CancellationTokenSource? timeout = CreateTimeout(options.HandshakeTimeout, cancellationToken);
        CancellationToken token = timeout?.Token ?? cancellationToken;
        try
        {
            await output.FlushAsync(token).ConfigureAwait(false);
            var scanner = new HttpHeadScanner(options.MaxResponseHeadLength, options.MaxResponseHeaderCount, options.MaxResponseHeadLength);
            while (true)
            {
                ReadResult read = await input.ReadAsync(token).ConfigureAwait(false);
                ReadOnlySequence<byte> buffer = read.Buffer;
                HeadScanStatus status = scanner.Scan(buffer);
                if (status == HeadScanStatus.Complete)
                {
                    ReadOnlySequence<byte> head = buffer.Slice(0, scanner.HeadLength);
                    try
                    {
                        byte[] contiguous = head.ToArray();
                        return ClientHandshake.ValidateResponse(contiguous, key, options);
                    }
                    finally
                    {
                        input.AdvanceTo(head.End);
                    }
                }

                if (status != HeadScanStatus.NeedMore)
                {
                    input.AdvanceTo(buffer.End);
                    throw new WebSocketConnectException(WebSocketConnectError.MalformedResponse, $"The response head is invalid ({status}).");
                }

                if (read.IsCompleted)
                {
                    input.AdvanceTo(buffer.End);
                    throw new WebSocketConnectException(WebSocketConnectError.ConnectionClosed, "The server closed the connection before its response head was complete.");
                }

                input.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        catch (OperationCanceledException exception) when (timeout is not null && timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new WebSocketConnectException(WebSocketConnectError.Timeout, "The server did not complete the handshake in time.", innerException: exception);
        }
        catch (System.IO.IOException exception)
        {
            // A stream's pipes report a reset or a broken connection this way.
            throw new WebSocketConnectException(WebSocketConnectError.ConnectionClosed, "The connection failed before the server's response head was complete.", innerException: exception);
        }
    }

    private static ServerHandshakeResult NegotiateHead(in ReadOnlySequence<byte> head, WebSocketServerOptions options, PipeWriter output)
    {
        if (head.IsSingleSegment)
        {
            return ServerHandshake.Negotiate(head.First.Span, options, output);
        }

        // A head spread over segments is gathered once (it is at most MaxHeadLength) into pooled memory.
        int length = (int)head.Length;
        byte[] gathered = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            head.CopyTo(gathered);
            return ServerHandshake.Negotiate(gathered.AsSpan(0, length), options, output);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(gathered);
        }
    }

    /// <summary>A source cancelled by <paramref name="cancellationToken"/> or after <paramref name="timeout"/>; none when the timeout is infinite.</summary>
    internal static CancellationTokenSource? CreateTimeout(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            return null;
        }

        CancellationTokenSource source = cancellationToken.CanBeCanceled
            ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken)
            : new CancellationTokenSource();
        source.CancelAfter(timeout);
        return source;
    }

    private static HandshakeError ToError(HeadScanStatus status) => status switch
    {
        HeadScanStatus.RequestLineTooLong => HandshakeError.RequestLineTooLong,
        HeadScanStatus.TooManyHeaders => HandshakeError.TooManyHeaders,
        HeadScanStatus.HeadTooLarge => HandshakeError.HeadTooLarge,
        _ => HandshakeError.MalformedRequest,
    };

    private static async ValueTask<ServerHandshakeResult> RejectAsync(PipeReader input, PipeWriter output, HandshakeError error)
    {
        HttpResponseWriter.WriteError(output, error);
        await CloseAfterRejectionAsync(input, output).ConfigureAwait(false);
        return ServerHandshake.Reject(error);
    }

    private static async ValueTask CloseAfterRejectionAsync(PipeReader input, PipeWriter output)
    {
        try
        {
            await output.FlushAsync().ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is InvalidOperationException or System.IO.IOException)
        {
            // The peer may already be gone; the rejection stands either way.
        }

        await output.CompleteAsync().ConfigureAwait(false);
        await input.CompleteAsync().ConfigureAwait(false);
    }
}
