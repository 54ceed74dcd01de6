using System;
using System.IO;
using System.IO.Pipelines;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Connection;
using WebSocketProtocol.Extensions;
using WebSocketProtocol.Handshake;

namespace WebSocketProtocol.Transport;

/// <summary>
/// A client in one call: TCP (and TLS for <c>wss://</c>) to a URI, the opening handshake, and a ready
/// <see cref="WebSocketConnection"/> with what the server agreed to applied. To bring your own transport, run
/// <see cref="HandshakeNegotiator.ConnectAsync"/> over its pipes and build the connection from the result.
/// </summary>
public static class WebSocketClient
{
    /// <summary>
    /// Connects to <paramref name="uri"/>'s host and port (with TLS for <c>wss://</c>, validated as
    /// <see cref="WebSocketClientOptions.ServerCertificateValidation"/> says), runs the opening handshake, and returns the
    /// connection, in the client role with <see cref="WebSocketClientOptions.Connection"/>'s limits and timers and the
    /// subprotocol and extensions the server agreed to.
    /// </summary>
    /// <remarks>
    /// The connection owns the transport: when it ends (its closing handshake, <see cref="WebSocketConnection.Abort"/> or
    /// <see cref="WebSocketConnection.Dispose"/>), the TLS stream and the socket close with it.
    /// </remarks>
    /// <param name="uri">A <c>ws://</c> or <c>wss://</c> URI, without a fragment.</param>
    /// <param name="options">What to offer and how to connect; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Abandons the connect, TLS and handshake.</param>
    /// <exception cref="WebSocketConnectException">
    /// The connection could not be opened: <see cref="WebSocketConnectException.Error"/> says why (name resolution, refused,
    /// TLS, a timeout, the server's refusal with its <see cref="WebSocketConnectException.StatusCode"/>, or a response that
    /// breaks RFC 6455 section 4.1).
    /// </exception>
    /// <exception cref="ArgumentException">The URI is not a WebSocket URI, or the options cannot be written in a request.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async Task<WebSocketConnection> ConnectAsync(Uri uri, WebSocketClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new WebSocketClientOptions();
        WebSocketConnectionOptions connectionOptions = options.Connection;
        WebSocketClientConnection transport = await ConnectTransportAsync(uri, options, cancellationToken).ConfigureAwait(false);
        try
        {
            return CreateConnection(transport.Input, transport.Output, connectionOptions, transport.Handshake);
        }
        catch
        {
            ExtensionNegotiation.DisposeAll(transport.Handshake.Extensions);
            transport.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The transport and handshake without the connection: for tests that watch or write the frames themselves. The
    /// caller owns the result; completing both pipes closes the stream and the socket.
    /// </summary>
    internal static async Task<WebSocketClientConnection> ConnectTransportAsync(Uri uri, WebSocketClientOptions? options, CancellationToken cancellationToken)
    {
        ClientHandshake.ValidateUri(uri);
        options ??= new WebSocketClientOptions();
        Stream stream = await ClientTransport.OpenAsync(uri, options, cancellationToken).ConfigureAwait(false);
        try
        {
            // Not left open: completing either pipe disposes the stream and, through it, TLS and the socket. The connection
            // completes both pipes when it ends, which is how it owns the transport.
            PipeReader input = PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: false));
            PipeWriter output = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: false));
            ClientHandshakeResult handshake = await HandshakeNegotiator.ConnectAsync(input, output, uri, options, cancellationToken).ConfigureAwait(false);
            return new WebSocketClientConnection(stream, input, output, handshake);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>The one place the client turns pipes and a handshake's result into a connection.</summary>
    internal static WebSocketConnection CreateConnection(PipeReader input, PipeWriter output, WebSocketConnectionOptions options, ClientHandshakeResult handshake) =>
        new(input, output, options, handshake);
}
