using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using WebSocketProtocol.Framing;

namespace WebSocketProtocol.Tests.Conformance;

/// <summary>Short names for the frames, events and payloads the section files describe cases with.</summary>
internal static class Wire
{
    public const byte Continuation = 0x0;
    public const byte TextOp = 0x1;
    public const byte BinaryOp = 0x2;
    public const byte CloseOp = 0x8;
    public const byte PingOp = 0x9;
    public const byte PongOp = 0xA;

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    public static byte[] Utf8(string text) => StrictUtf8.GetBytes(text);

    public static byte[] Repeat(byte value, int count) => Enumerable.Repeat(value, count).ToArray();

    /// <summary>Bytes from a hex string; spaces are ignored ("ce ba e1").</summary>
    public static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", string.Empty, StringComparison.Ordinal));

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(part => part).ToArray();

    /// <summary>Printable ASCII in a pattern with no short period, so a misplaced piece of a long message shows.</summary>
    public static byte[] AsciiPattern(int length)
    {
        var bytes = new byte[length];
        for (int i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(0x21 + (((i * 7) + (i >> 7)) % 94));
        }

        return bytes;
    }

    /// <summary>Every byte value in a pattern with no short period.</summary>
    public static byte[] BinaryPattern(int length)
    {
        var bytes = new byte[length];
        for (int i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)((i * 31) ^ (i >> 8) ^ (i >> 16));
        }

        return bytes;
    }

    public static byte[] CloseBody(ushort code, string reason = "") => CloseBody(code, Utf8(reason));

    public static byte[] CloseBody(ushort code, byte[] reason)
    {
        var body = new byte[2 + reason.Length];
        BinaryPrimitives.WriteUInt16BigEndian(body, code);
        reason.CopyTo(body, 2);
        return body;
    }

    public static FrameSpec TextFrame(string text, bool fin = true) => new(TextOp, Utf8(text), fin);

    public static FrameSpec TextFrame(byte[] payload, bool fin = true, ReservedBits rsv = ReservedBits.None) => new(TextOp, payload, fin, rsv);

    public static FrameSpec Binary(byte[] payload, bool fin = true, ReservedBits rsv = ReservedBits.None) => new(BinaryOp, payload, fin, rsv);

    public static FrameSpec Cont(string text, bool fin) => new(Continuation, Utf8(text), fin);

    public static FrameSpec Cont(byte[] payload, bool fin) => new(Continuation, payload, fin);

    public static FrameSpec Ping(string payload = "") => new(PingOp, Utf8(payload));

    public static FrameSpec Ping(byte[] payload, bool fin = true, ReservedBits rsv = ReservedBits.None) => new(PingOp, payload, fin, rsv);

    public static FrameSpec Pong(string payload = "") => new(PongOp, Utf8(payload));

    public static FrameSpec Close(ushort code, string reason = "") => new(CloseOp, CloseBody(code, reason));

    public static FrameSpec CloseRaw(byte[] body, ReservedBits rsv = ReservedBits.None) => new(CloseOp, body, true, rsv);

    public static FrameSpec Frame(byte opcode, byte[] payload, bool fin = true, ReservedBits rsv = ReservedBits.None) => new(opcode, payload, fin, rsv);

    /// <summary>Autobahn's rsv numbers: 1 is RSV3, 2 is RSV2, 4 is RSV1 (the value of the three bits read as a number).</summary>
    public static ReservedBits Rsv(int value) => (ReservedBits)(value << 4);

    /// <summary>A message cut into frames of <paramref name="fragmentSize"/> bytes (the last may be shorter).</summary>
    public static FrameSpec[] Fragments(byte opcode, byte[] payload, int fragmentSize)
    {
        var frames = new List<FrameSpec>();
        int offset = 0;
        do
        {
            int count = Math.Min(fragmentSize, payload.Length - offset);
            bool last = offset + count == payload.Length;
            frames.Add(new FrameSpec(frames.Count == 0 ? opcode : Continuation, payload.AsSpan(offset, count).ToArray(), last));
            offset += count;
        }
        while (offset < payload.Length);
        return frames.ToArray();
    }

    public static PeerEvent TextEvent(string text) => new(EventKind.Text, Utf8(text));

    public static PeerEvent TextEvent(byte[] payload, int? frames = null) => new(EventKind.Text, payload, frames);

    public static PeerEvent BinaryEvent(byte[] payload, int? frames = null) => new(EventKind.Binary, payload, frames);

    public static PeerEvent PongEvent(string payload = "") => new(EventKind.Pong, Utf8(payload));

    public static PeerEvent PongEvent(byte[] payload) => new(EventKind.Pong, payload);
}

/// <summary>Builds a <see cref="CaseScript"/> step by step: what the peer sends, then what it expects.</summary>
internal sealed class ScriptBuilder
{
    /// <summary>How long a fail-fast check waits for the implementation's close (Autobahn waits one second).</summary>
    public static readonly TimeSpan FailFastWindow = TimeSpan.FromSeconds(1);

    private readonly List<PeerStep> _steps = new();
    private readonly List<IReadOnlyList<PeerEvent>> _events = new();
    private CloseRule? _close;
    private int _fragmentSize;
    private IReadOnlyList<DeflateOffer>? _deflateOffers;

    public static ScriptBuilder Create() => new();

    /// <summary>Each frame in its own write.</summary>
    public ScriptBuilder Send(params FrameSpec[] frames) => Add(new SendStep(frames, WriteMode.PerFrame));

    /// <summary>All frames in one write.</summary>
    public ScriptBuilder SendTogether(params FrameSpec[] frames) => Add(new SendStep(frames, WriteMode.Together));

    /// <summary>All frames concatenated and written <paramref name="chopSize"/> bytes at a time.</summary>
    public ScriptBuilder SendChopped(int chopSize, params FrameSpec[] frames) => Add(new SendStep(frames, WriteMode.Chopped, chopSize));

    /// <summary>One frame written in parts cut at payload offsets, with <paramref name="between"/> after each part.</summary>
    public ScriptBuilder SendInParts(FrameSpec frame, int[] cuts, PeerStep between) => Add(new SendPartsStep(frame, cuts, between));

    public ScriptBuilder Pause(TimeSpan duration) => Add(new PauseStep(duration));

    /// <summary>The implementation must have failed the connection before the peer goes on.</summary>
    public ScriptBuilder AwaitFailure(string what) => Add(new AwaitFailureStep(FailFastWindow, what));

    /// <summary>The implementation must have sent <paramref name="count"/> events in all before the peer goes on.</summary>
    public ScriptBuilder AwaitEvents(int count, string what) => Add(new AwaitEventsStep(count, TimeSpan.FromSeconds(5), what));

    public ScriptBuilder RoundTrips(FrameSpec frame, int count) => Add(new RoundTripStep(frame, count));

    public ScriptBuilder Add(PeerStep step)
    {
        _steps.Add(step);
        return this;
    }

    /// <summary>The events expected, in order; called again, adds an alternative that passes too.</summary>
    public ScriptBuilder Expect(params PeerEvent[] events)
    {
        _events.Add(events);
        return this;
    }

    public ScriptBuilder Expect(IReadOnlyList<PeerEvent> events)
    {
        _events.Add(events);
        return this;
    }

    public ScriptBuilder CloseNormally() => Closing(CloseRule.Normal);

    /// <summary>The script sent a close; the implementation answers with one of <paramref name="codes"/>.</summary>
    public ScriptBuilder Answers(params ushort[] codes) => Closing(CloseRule.Answers(codes));

    /// <summary>The implementation fails the connection with one of <paramref name="codes"/> (or drops it).</summary>
    public ScriptBuilder Fails(params ushort[] codes) => Closing(CloseRule.Fails(codes));

    public ScriptBuilder Closing(CloseRule rule)
    {
        _close = rule;
        return this;
    }

    /// <summary>Negotiates permessage-deflate with <paramref name="offers"/> (see <see cref="CaseScript.DeflateOffers"/>).</summary>
    public ScriptBuilder Deflate(params DeflateOffer[] offers)
    {
        _deflateOffers = offers;
        return this;
    }

    /// <summary>A whole message, compressed by the peer when permessage-deflate was agreed, in frames of <paramref name="fragmentSize"/> compressed bytes (0: one frame).</summary>
    public ScriptBuilder SendMessage(bool text, byte[] payload, int fragmentSize = 0) => Add(new SendMessageStep(text, payload, fragmentSize));

    public ScriptBuilder FragmentSize(int size)
    {
        _fragmentSize = size;
        return this;
    }

    public CaseScript Build()
    {
        if (_close is null)
        {
            throw new InvalidOperationException("A case must say how the connection ends.");
        }

        IReadOnlyList<IReadOnlyList<PeerEvent>> events = _events.Count == 0 ? new[] { Array.Empty<PeerEvent>() } : _events.ToArray();
        return new CaseScript(_steps.ToArray(), events, _close, _fragmentSize, _deflateOffers);
    }
}
