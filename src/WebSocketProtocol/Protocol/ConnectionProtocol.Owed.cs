using System;
using System.Net.WebSockets;
using System.Threading;
using WebSocketProtocol.Framing;

namespace WebSocketProtocol.Protocol;

/// <content>
/// The frames this endpoint owes the peer: a pong for the latest ping, the answer to the peer's close, the close a failure
/// sends. The receiving thread (and the timer, failing) owes them; the sending thread writes them. This owed state, and
/// whether our close went out, is the only state both touch, so one small lock guards it; it is held for a few field
/// writes, or for writing two frames of at most 127 bytes into the output.
/// </content>
internal sealed partial class ConnectionProtocol
{
    private const int NoOwedClose = -1;
    private const int OwedEmptyClose = 0;

    private readonly object _owedGate = new();

    // The latest ping's payload: RFC 6455 section 5.5.3 lets an endpoint answer only the most recent of the pings it has not
    // yet answered, so a ping flood costs fixed memory rather than a queue. Allocated at the first ping.
    private byte[]? _owedPong;
    private int _owedPongLength = -1;

    // The close code owed (OwedEmptyClose for a close without a body), or NoOwedClose.
    private int _owedClose = NoOwedClose;
    private bool _closeSent;
    private bool _owedWriterRunning;

    /// <summary>Whether this endpoint's close frame has been written: nothing but the close may go out after it (section 5.5.1).</summary>
    public bool CloseSent => Volatile.Read(ref _closeSent);

    private void OwePong(ReadOnlySpan<byte> payload)
    {
        lock (_owedGate)
        {
            _owedPong ??= new byte[FrameHeader.MaxControlPayloadLength];
            payload.CopyTo(_owedPong);
            _owedPongLength = payload.Length;
        }
    }

    private void OweClose(int code)
    {
        lock (_owedGate)
        {
            if (!_closeSent)
            {
                _owedClose = code;
            }
        }
    }

    /// <summary>
    /// Claims the writing of owed frames for a writer the shell starts: true when something is owed and no writer runs. The
    /// writer calls <see cref="WriteOwedFrames"/> and flushes until <see cref="TryEndOwedWriter"/> lets it stop.
    /// </summary>
    public bool TryStartOwedWriter()
    {
        lock (_owedGate)
        {
            if (_owedWriterRunning || (_owedPongLength < 0 && _owedClose == NoOwedClose))
            {
                return false;
            }

            _owedWriterRunning = true;
            return true;
        }
    }

    /// <summary>Ends the claim of <see cref="TryStartOwedWriter"/> unless something became owed meanwhile (the writer goes on).</summary>
    public bool TryEndOwedWriter()
    {
        lock (_owedGate)
        {
            if (_owedPongLength >= 0 || _owedClose != NoOwedClose)
            {
                return false;
            }

            _owedWriterRunning = false;
            return true;
        }
    }

    /// <summary>
    /// Writes what is owed, the pong before the close, and returns whether it wrote anything. Once our close has gone out
    /// nothing more is owed. Called by the holder of the shell's send lock.
    /// </summary>
    public bool WriteOwedFrames()
    {
        lock (_owedGate)
        {
            if (IsEnded)
            {
                // The transport is being dropped: nothing more goes out.
                _owedPongLength = -1;
                _owedClose = NoOwedClose;
                return false;
            }

            bool wrote = false;
            if (_owedPongLength >= 0)
            {
                if (!_closeSent)
                {
                    _writer.WriteFrame(Opcode.Pong, _owedPong.AsSpan(0, _owedPongLength));
                    wrote = true;
                }

                _owedPongLength = -1;
            }

            if (_owedClose != NoOwedClose)
            {
                int code = _owedClose;
                wrote |= WriteCloseLocked(code == OwedEmptyClose ? null : (CloseStatus)code, ReadOnlySpan<char>.Empty);
            }

            return wrote;
        }
    }

    /// <summary>The writer of owed frames met a dead transport: nothing stays owed, and another writer may start.</summary>
    public void DropOwedFrames()
    {
        lock (_owedGate)
        {
            _owedPongLength = -1;
            _owedClose = NoOwedClose;
            _owedWriterRunning = false;
        }
    }

    /// <summary>
    /// Writes this endpoint's close frame, once (an owed close is dropped: this one answers, or fails, as well); a
    /// <see langword="null"/> status writes a close without a body. False when ours already went, or the connection ended.
    /// </summary>
    /// <exception cref="ArgumentException">The status may not be sent, or the reason is over 123 UTF-8 bytes.</exception>
    public bool WriteClose(CloseStatus? status, ReadOnlySpan<char> reason)
    {
        lock (_owedGate)
        {
            return WriteCloseLocked(status, reason);
        }
    }

    private bool WriteCloseLocked(CloseStatus? status, ReadOnlySpan<char> reason)
    {
        if (_closeSent || IsEnded)
        {
            _owedClose = NoOwedClose;
            return false;
        }

        if (status is { } code)
        {
            _writer.WriteClose(code, reason);
        }
        else
        {
            _writer.WriteClose();
        }

        _owedClose = NoOwedClose;
        Volatile.Write(ref _closeSent, true);
        MoveState(WebSocketState.Open, WebSocketState.CloseSent);
        return true;
    }
}
