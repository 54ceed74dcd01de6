using System;
using System.Threading.Tasks;

namespace WebSocketProtocol.Tests.Conformance;

/// <summary>How the implementation's echo loop ended.</summary>
internal enum ImplementationEnd
{
    /// <summary>It received the peer's close frame (the closing handshake ran).</summary>
    ReceivedClose,

    /// <summary>A receive threw <see cref="WebSocketProtocolException"/>: the connection failed with a close code.</summary>
    Failed,

    /// <summary>The test stopped it (cancellation) before the connection ended.</summary>
    Stopped,

    /// <summary>The opening handshake did not complete.</summary>
    HandshakeFailed,

    /// <summary>Anything else escaped the loop: the sample endpoints would not have caught it.</summary>
    UnexpectedException,
}

/// <summary>What the implementation under test reports when its echo loop ends.</summary>
internal sealed record ImplementationOutcome(ImplementationEnd End, string Detail)
{
    public static ImplementationOutcome From(Exception exception) => exception switch
    {
        WebSocketProtocolException protocol => new(ImplementationEnd.Failed, $"{protocol.Error} -> {(int)protocol.CloseStatus}"),
        _ => new(ImplementationEnd.UnexpectedException, exception.ToString()),
    };

    public override string ToString() => $"{End}: {Detail}";
}

/// <summary>
/// One side of the library running its echo loop over a real loopback socket, and the <see cref="PeerConnection"/> the test
/// drives it with. Disposing stops the implementation and closes every socket.
/// </summary>
internal interface IImplementationHarness : IAsyncDisposable
{
    PeerConnection Peer { get; }

    /// <summary>Completes when the implementation's echo loop has ended.</summary>
    Task<ImplementationOutcome> Outcome { get; }
}

/// <summary>The settings both echo loops share, as in the samples (samples/ChatServer, samples/EchoClient).</summary>
internal static class EchoSettings
{
    /// <summary>The samples' default limit: 16 MiB, the largest message of section 9.</summary>
    public const long MaxMessageSize = 16L * 1024 * 1024;

    /// <summary>How long the harness waits for the TCP connection and the opening handshake.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(15);
}
