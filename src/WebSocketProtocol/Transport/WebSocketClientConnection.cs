using System;
using System.IO;
using System.IO.Pipelines;
using System.Net.Sockets;
using WebSocketProtocol.Handshake;

namespace WebSocketProtocol.Transport;

/// <summary>A TCP (or TLS) connection whose opening handshake succeeded: pipes that carry frames, and what the server agreed to.</summary>
public sealed class WebSocketClientConnection : IDisposable
{
    private readonly Socket _socket;
    private readonly Stream _stream;

    internal WebSocketClientConnection(Socket socket, Stream stream, PipeReader input, PipeWriter output, ClientHandshakeResult handshake)
    {
        _socket = socket;
        _stream = stream;
        Input = input;
        Output = output;
        Handshake = handshake;
    }

    /// <summary>Bytes from the server, starting with the first frame.</summary>
    public PipeReader Input { get; }

    /// <summary>Bytes to the server.</summary>
    public PipeWriter Output { get; }

    /// <summary>What the server agreed to.</summary>
    public ClientHandshakeResult Handshake { get; }

    /// <summary>Completes both pipes and closes the TLS stream, if any, and the socket.</summary>
    public void Dispose()
    {
        Input.Complete();
        Output.Complete();
        _stream.Dispose();
        _socket.Dispose();
    }
}
