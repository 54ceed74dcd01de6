using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace WebSocketProtocol.Tests.Conformance;

/// <summary>One action of the test peer in a case script. Sending stops once the implementation has closed or dropped.</summary>
internal abstract class PeerStep
{
    public abstract Task RunAsync(PeerConnection peer, CancellationToken cancellationToken);
}

/// <summary>How the bytes of a <see cref="SendStep"/> are handed to the socket.</summary>
internal enum WriteMode
{
    /// <summary>One write per frame (Autobahn's "frame-wise chops").</summary>
    PerFrame,

    /// <summary>All frames in a single write (Autobahn's "one chop").</summary>
    Together,

    /// <summary>All frames concatenated and written in pieces of a fixed size (1: Autobahn's "octet-wise chops").</summary>
    Chopped,
}

/// <summary>Sends whole frames.</summary>
internal sealed class SendStep : PeerStep
{
    public SendStep(IReadOnlyList<FrameSpec> frames, WriteMode mode, int chopSize = 0)
    {
        Frames = frames;
        Mode = mode;
        ChopSize = chopSize;
    }

    public IReadOnlyList<FrameSpec> Frames { get; }

    public WriteMode Mode { get; }

    public int ChopSize { get; }

    public override Task RunAsync(PeerConnection peer, CancellationToken cancellationToken) =>
        peer.SendFramesAsync(Frames, Mode, ChopSize, cancellationToken);
}

/// <summary>A whole message, which the peer compresses (RSV1 on the first frame) when permessage-deflate was agreed.</summary>
internal sealed class SendMessageStep : PeerStep
{
    public SendMessageStep(bool text, byte[] payload, int fragmentSize)
    {
        Text = text;
        Payload = payload;
        FragmentSize = fragmentSize;
    }

    public bool Text { get; }

    public byte[] Payload { get; }

    /// <summary>The size of each frame's share of the (compressed) payload; 0 sends one frame.</summary>
    public int FragmentSize { get; }

    public override Task RunAsync(PeerConnection peer, CancellationToken cancellationToken)
    {
        byte opcode = Text ? Wire.TextOp : Wire.BinaryOp;
        byte[] payload = peer.Deflate?.Compress(Payload) ?? Payload;
        FrameSpec[] frames = Wire.Fragments(opcode, payload, FragmentSize == 0 ? Math.Max(payload.Length, 1) : FragmentSize);
        if (peer.Deflate is not null)
        {
            frames[0] = frames[0] with { Rsv = WebSocketProtocol.Framing.ReservedBits.Rsv1 };
        }

        return peer.SendFramesAsync(frames, WriteMode.Together, 0, cancellationToken);
    }
}

/// <summary>
/// Sends one frame in parts cut at payload offsets (the first part carries the header), running <see cref="Between"/>
/// after every part but the last: the way to check that a bad byte fails the connection before the frame is complete.
/// </summary>
internal sealed class SendPartsStep : PeerStep
{
    public SendPartsStep(FrameSpec frame, IReadOnlyList<int> cuts, PeerStep between)
    {
        Frame = frame;
        Cuts = cuts;
        Between = between;
    }

    public FrameSpec Frame { get; }

    public IReadOnlyList<int> Cuts { get; }

    public PeerStep Between { get; }

    public override async Task RunAsync(PeerConnection peer, CancellationToken cancellationToken)
    {
        (byte[] bytes, int headerLength) = peer.Encode(Frame);
        int start = 0;
        for (int i = 0; i <= Cuts.Count; i++)
        {
            int end = i < Cuts.Count ? headerLength + Cuts[i] : bytes.Length;
            if (!await peer.WriteRawAsync(bytes.AsMemory(start, end - start), frameComplete: end == bytes.Length, closes: Frame.Opcode == Wire.CloseOp, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            start = end;
            if (i < Cuts.Count)
            {
                await Between.RunAsync(peer, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}

/// <summary>Waits (Autobahn's "continue later"), so the implementation sees the bytes so far on their own.</summary>
internal sealed class PauseStep : PeerStep
{
    public PauseStep(TimeSpan duration) => Duration = duration;

    public TimeSpan Duration { get; }

    public override Task RunAsync(PeerConnection peer, CancellationToken cancellationToken) =>
        peer.HasEnded ? Task.CompletedTask : Task.Delay(Duration, cancellationToken);
}

/// <summary>
/// Requires the implementation to have failed the connection (close frame or drop) within <see cref="Within"/> of what was
/// sent so far, before the peer sends anything more: fail-fast. When it has not, the case records a violation and goes on.
/// </summary>
internal sealed class AwaitFailureStep : PeerStep
{
    public AwaitFailureStep(TimeSpan within, string what)
    {
        Within = within;
        What = what;
    }

    public TimeSpan Within { get; }

    public string What { get; }

    public override async Task RunAsync(PeerConnection peer, CancellationToken cancellationToken)
    {
        if (!await peer.WaitForCloseOrEndAsync(Within, cancellationToken).ConfigureAwait(false))
        {
            peer.AddViolation($"Not failed fast: {What}; no close frame or drop within {Within.TotalMilliseconds:0} ms, so the peer sent the rest.");
        }
    }
}

/// <summary>Requires <see cref="Count"/> events in all to have arrived before the peer goes on (a pong while a message is still open).</summary>
internal sealed class AwaitEventsStep : PeerStep
{
    public AwaitEventsStep(int count, TimeSpan within, string what)
    {
        Count = count;
        Within = within;
        What = what;
    }

    public int Count { get; }

    public TimeSpan Within { get; }

    public string What { get; }

    public override async Task RunAsync(PeerConnection peer, CancellationToken cancellationToken)
    {
        if (!await peer.WaitForEventsAsync(Count, Within, cancellationToken).ConfigureAwait(false) && !peer.HasEnded)
        {
            peer.AddViolation($"{What}: fewer than {Count} events within {Within.TotalMilliseconds:0} ms.");
        }
    }
}

/// <summary>Sends <see cref="Frame"/> <see cref="Count"/> times, each time waiting for one more event (the echo) first.</summary>
internal sealed class RoundTripStep : PeerStep
{
    private static readonly TimeSpan PerEcho = TimeSpan.FromSeconds(10);

    public RoundTripStep(FrameSpec frame, int count)
    {
        Frame = frame;
        Count = count;
    }

    public FrameSpec Frame { get; }

    public int Count { get; }

    public override async Task RunAsync(PeerConnection peer, CancellationToken cancellationToken)
    {
        int already = peer.EventCount;
        var frames = new[] { Frame };
        for (int i = 1; i <= Count; i++)
        {
            if (!await peer.SendFramesAsync(frames, WriteMode.Together, 0, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            if (!await peer.WaitForEventsAsync(already + i, PerEcho, cancellationToken).ConfigureAwait(false))
            {
                if (!peer.HasEnded)
                {
                    peer.AddViolation($"Round trip {i} of {Count}: no echo within {PerEcho.TotalSeconds:0} s.");
                }

                return;
            }
        }
    }
}

/// <summary>Waits a little and requires the connection to be still open: what was sent so far is valid and must not fail it.</summary>
internal sealed class ExpectOpenStep : PeerStep
{
    public ExpectOpenStep(TimeSpan wait, string what)
    {
        Wait = wait;
        What = what;
    }

    public TimeSpan Wait { get; }

    public string What { get; }

    public override async Task RunAsync(PeerConnection peer, CancellationToken cancellationToken)
    {
        if (await peer.WaitForCloseOrEndAsync(Wait, cancellationToken).ConfigureAwait(false))
        {
            peer.AddViolation($"The connection was failed too early, on {What}, which is valid so far.");
        }
    }
}
