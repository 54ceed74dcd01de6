using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using WebSocketProtocol.Framing;

namespace WebSocketProtocol.Tests.Conformance;

/// <summary>Which side of the library a conformance case drives; the test plays the other side with raw frames.</summary>
public enum RoleUnderTest
{
    /// <summary>Our server (handshake and echo loop); the test is a raw client that masks its frames.</summary>
    Server,

    /// <summary>Our client (connect and echo loop); the test is a raw server that sends unmasked frames.</summary>
    Client,
}

/// <summary>
/// One row of the case table: an id in the style of the Autobahn|TestSuite catalogue ("1.1.1", "6.12.3/octets"), what it
/// checks, and a factory for its script. The script is built per run, so large payloads exist only while a case runs.
/// </summary>
internal sealed class ConformanceCase
{
    private readonly Func<CaseScript> _build;

    public ConformanceCase(string id, string description, Func<CaseScript> build)
    {
        Id = id;
        Description = description;
        _build = build;
        Section = int.Parse(id.AsSpan(0, id.IndexOf('.')), NumberStyles.None, CultureInfo.InvariantCulture);
    }

    public string Id { get; }

    /// <summary>The catalogue section: the number before the first dot.</summary>
    public int Section { get; }

    public string Description { get; }

    public CaseScript BuildScript() => _build();

    public override string ToString() => Id + " " + Description;
}

/// <summary>A frame as the test peer puts it on the wire: any 4-bit opcode, any RSV bits, any payload length.</summary>
/// <param name="Opcode">The raw opcode, reserved values included.</param>
/// <param name="Payload">The payload before masking.</param>
/// <param name="Fin">The FIN bit.</param>
/// <param name="Rsv">The RSV1-3 bits.</param>
internal sealed record FrameSpec(byte Opcode, byte[] Payload, bool Fin = true, ReservedBits Rsv = ReservedBits.None);

/// <summary>What the test peer can observe from the implementation, apart from its close frame.</summary>
internal enum EventKind
{
    Text,
    Binary,
    Ping,
    Pong,
}

/// <summary>
/// A message (reassembled from its frames) or a control frame the implementation sent. <paramref name="Frames"/> is how
/// many frames carried a message; in an expectation, <see langword="null"/> means any number.
/// </summary>
internal sealed record PeerEvent(EventKind Kind, byte[] Payload, int? Frames = null)
{
    public bool Matches(PeerEvent observed) =>
        Kind == observed.Kind
        && Payload.AsSpan().SequenceEqual(observed.Payload)
        && (Frames is null || Frames == observed.Frames);

    public override string ToString() =>
        $"{Kind}[{Payload.Length} bytes{(Frames is { } frames ? $", {frames} frames" : string.Empty)}: {Describe(Payload)}]";

    /// <summary>A short, printable view of a payload for failure messages.</summary>
    public static string Describe(byte[] payload)
    {
        const int Shown = 24;
        var text = new StringBuilder();
        for (int i = 0; i < Math.Min(payload.Length, Shown); i++)
        {
            text.Append(payload[i].ToString("x2", CultureInfo.InvariantCulture));
        }

        if (payload.Length > Shown)
        {
            text.Append("...");
        }

        return text.ToString();
    }
}

/// <summary>
/// How the connection must end. The peer either starts the closing handshake itself (at the end of the script, with 1000,
/// or inside the script) and expects an answer, or expects the implementation to fail the connection.
/// </summary>
/// <param name="PeerClosesAtEnd">Whether the runner sends close 1000 once the expected events have arrived.</param>
/// <param name="Codes">The close codes the implementation may send.</param>
/// <param name="EmptyBodyOk">Whether a close frame without a body is acceptable too.</param>
/// <param name="DropOk">Whether a connection dropped without any close frame is acceptable (Autobahn's requireClean = false).</param>
/// <param name="RequireClean">Whether the implementation must complete the closing handshake (its echo loop sees the peer's close).</param>
internal sealed record CloseRule(bool PeerClosesAtEnd, IReadOnlyList<ushort> Codes, bool EmptyBodyOk, bool DropOk, bool RequireClean)
{
    /// <summary>The peer closes with 1000 after the script; the implementation answers 1000 and the handshake completes.</summary>
    public static CloseRule Normal { get; } = new(true, new ushort[] { 1000 }, false, false, true);

    /// <summary>The script sends its own close; the implementation answers with one of <paramref name="codes"/>.</summary>
    public static CloseRule Answers(params ushort[] codes) => new(false, codes, false, false, true);

    /// <summary>The implementation fails the connection with one of <paramref name="codes"/>, or drops it.</summary>
    public static CloseRule Fails(params ushort[] codes) => new(false, codes, false, true, false);

    public override string ToString() =>
        (PeerClosesAtEnd ? "peer closes with 1000, " : string.Empty)
        + "close code " + string.Join(" or ", Codes)
        + (EmptyBodyOk ? " or an empty close body" : string.Empty)
        + (DropOk ? " (or the connection dropped)" : string.Empty);
}

/// <summary>
/// One permessage-deflate offer as Autobahn's section 13 states it: <c>client_no_context_takeover</c> or not, and
/// <c>client_max_window_bits</c> (0: the parameter without a value).
/// </summary>
internal sealed record DeflateOffer(bool ClientNoContextTakeover, int ClientMaxWindowBits)
{
    /// <summary>The offer's parameters as they follow the extension name.</summary>
    public string Parameters =>
        (ClientNoContextTakeover ? "; client_no_context_takeover" : string.Empty)
        + "; client_max_window_bits" + (ClientMaxWindowBits == 0 ? string.Empty : "=" + ClientMaxWindowBits.ToString(CultureInfo.InvariantCulture));

    public override string ToString() => "permessage-deflate" + Parameters;
}

/// <summary>What a case sends, what it expects back, and the implementation's options.</summary>
internal sealed class CaseScript
{
    public CaseScript(IReadOnlyList<PeerStep> steps, IReadOnlyList<IReadOnlyList<PeerEvent>> acceptableEvents, CloseRule close, int fragmentSize, IReadOnlyList<DeflateOffer>? deflateOffers = null)
    {
        Steps = steps;
        AcceptableEvents = acceptableEvents;
        Close = close;
        FragmentSize = fragmentSize;
        DeflateOffers = deflateOffers;
    }

    /// <summary>
    /// permessage-deflate for the case, or <see langword="null"/>. With our server under test, the peer sends these offers in
    /// order and the server's default policy picks; with our client under test, the client offers the first and the peer
    /// answers with the default policy.
    /// </summary>
    public IReadOnlyList<DeflateOffer>? DeflateOffers { get; }

    public IReadOnlyList<PeerStep> Steps { get; }

    /// <summary>The event sequences that pass, the preferred one first; each must match exactly and in order.</summary>
    public IReadOnlyList<IReadOnlyList<PeerEvent>> AcceptableEvents { get; }

    public CloseRule Close { get; }

    /// <summary><see cref="Connection.WebSocketConnectionOptions.FragmentSize"/> for the implementation's echo loop (0: never fragments).</summary>
    public int FragmentSize { get; }
}
