using System;
using System.IO;
using System.IO.Pipelines;
using WebSocketProtocol.Handshake;

namespace WebSocketProtocol.Transport;

/// <summary>
/// A TCP (or TLS) connection whose opening handshake succeeded: pipes that carry frames, and what the server agreed to.
/// <see cref="WebSocketClient.ConnectAsync"/> hands the pipes to the connection it returns; tests that read frames
/// themselves take this instead (<see cref="WebSocketClient.ConnectTransportAsync"/>).
/// </summary>
internal sealed class WebSocketClientConnection : IDisposable
{
    private readonly Stream _stream;

    internal WebSocketClientConnection(Stream stream, PipeReader input, PipeWriter output, ClientHandshakeResult handshake)
    {
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
    }
}
