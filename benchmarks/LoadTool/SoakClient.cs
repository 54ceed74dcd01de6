using System;
using System.IO;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using WebSocketProtocol.Connection;
using WebSocketProtocol.Handshake;

namespace WebSocketProtocol.LoadTool;

/// <summary>
/// A soak session's client on pipes of its own: the library's path for whoever brings their own transport
/// (<see cref="HandshakeNegotiator.ConnectAsync"/>, then a <see cref="WebSocketConnection"/> over the same pipes), taken
/// here because one way the soak ends a session is to write half a frame on the raw output. The connection owns the pipes,
/// the pipes the stream and the stream the socket, so disposing or aborting the connection closes the socket.
/// Only loopback addresses are dialled.
/// </summary>
public sealed class SoakClient : IDisposable
{
    private SoakClient(PipeWriter output, WebSocketConnection connection)
    {
        Output = output;
        Connection = connection;
    }

    /// <summary>The connection, in the client role, with what the server agreed to applied.</summary>
    public WebSocketConnection Connection { get; }

    /// <summary>The raw output under the connection: write to it only while no send runs, then abort the connection.</summary>
    public PipeWriter Output { get; }

    /// <summary>Connects to <paramref name="url"/> (a loopback <c>ws://</c> URL) and runs the opening handshake.</summary>
    public static async Task<SoakClient> ConnectAsync(Uri url, WebSocketClientOptions options, CancellationToken cancellationToken)
    {
        IPAddress address = RawHandshake.LoopbackAddress(url);
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream? stream = null;
        try
        {
            await socket.ConnectAsync(new IPEndPoint(address, url.Port), cancellationToken).ConfigureAwait(false);
            stream = new NetworkStream(socket, ownsSocket: true);
            PipeReader input = PipeReader.Create(stream);
            PipeWriter output = PipeWriter.Create(stream);
            ClientHandshakeResult handshake = await HandshakeNegotiator.ConnectAsync(input, output, url, options, cancellationToken).ConfigureAwait(false);
            var connection = new WebSocketConnection(input, output, WebSocketConnectionOptions.ForClient(), handshake);
            return new SoakClient(output, connection);
        }
        catch
        {
            stream?.Dispose();
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Disposes the connection, which closes the socket.</summary>
    public void Dispose() => Connection.Dispose();
}
