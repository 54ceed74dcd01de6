using System;
using System.Buffers;
using System.Net.WebSockets;
using System.Threading;
using WebSocketProtocol.Extensions.Deflate;

namespace WebSocketProtocol.Protocol;

/// <content>
/// Receiving a compressed message (RFC 7692): its payload is unmasked into a small pooled buffer and inflated from there
/// into the destination; after the last frame the sync-flush tail the sender left off is inflated too (section 7.2.2). The
/// inflated size counts against the limit as it is produced, so a small bomb fails with 1009 after bounded work.
/// </content>
internal sealed partial class ConnectionProtocol
{
    private const int InflateInputSize = 4096;

    private static readonly byte[] s_deflateTail = { 0x00, 0x00, 0xFF, 0xFF };

    private bool _compressed;
    private bool _compressedBytesSeen;
    private bool _tailFed;

    // Whether the inflater took all its input and has no output waiting: after it filled the room, it may hold more (the
    // rest of a match) with no input left, and is asked again before the message may end or wait for more bytes.
    private bool _inflaterDrained;
    private long _inflatedLength;
    private byte[]? _inflateInput;
    private int _inflateStart;
    private int _inflateEnd;

    private void StartCompressedMessage()
    {
        _compressed = true;
        _compressedBytesSeen = false;
        _tailFed = false;
        _inflaterDrained = true;
        _inflatedLength = 0;
    }

    /// <summary>
    /// Inflates what has arrived of the compressed message: true with an event (bytes inflated, the message's end, more input
    /// needed, a failure), or false when the current frame is done and the next frame's header must be read.
    /// </summary>
    private bool TryReceiveCompressed<TBuffer>(in ReadOnlySequence<byte> input, ReadOnlySpan<byte> first, long length, ref long consumed, ref TBuffer destination, out ReceiveEvent result)
        where TBuffer : struct, IReceiveBuffer
    {
        bool reported = TryInflate(input, first, length, ref consumed, ref destination, out result, out int written);
        if (written > 0)
        {
            destination.Advance(written);
        }

        return reported;
    }

    private bool TryInflate<TBuffer>(in ReadOnlySequence<byte> input, ReadOnlySpan<byte> first, long length, ref long consumed, ref TBuffer destination, out ReceiveEvent result, out int written)
        where TBuffer : struct, IReceiveBuffer
    {
        Span<byte> room = default;
        bool hasRoom = false;
        written = 0;
        while (true)
        {
            if (_inflateStart == _inflateEnd && _inflaterDrained)
            {
                if (_frameRemaining > 0)
                {
                    long available = length - consumed;
                    if (available == 0)
                    {
                        result = written > 0 ? ReceiveEvent.Data(written, _messageType, false) : ReceiveEvent.NeedMoreData;
                        return true;
                    }

                    Volatile.Write(ref _receivedSinceTick, 1);
                    _inflateInput ??= _bufferPool.Rent(InflateInputSize);
                    int count = (int)Math.Min(Math.Min(_frameRemaining, available), _inflateInput.Length);
                    CopyPayload(input, first, consumed, count, _inflateInput);
                    consumed += count;
                    _framePosition += count;
                    _frameRemaining -= count;
                    _inflateStart = 0;
                    _inflateEnd = count;
                    _compressedBytesSeen = true;
                    if (_frameRemaining == 0)
                    {
                        _frameWait.FrameEnded();
                    }
                }
                else if (!_frame.IsFinal)
                {
                    // The message goes on in another frame: what was inflated goes out before its header is read.
                    result = ReceiveEvent.Data(written, _messageType, false);
                    return written > 0;
                }
                else if (!_tailFed)
                {
                    _tailFed = true;

                    // No data at all is an empty message (the sender's compressor wrote nothing, so neither side's state moves);
                    // data that ended its DEFLATE stream with a final block has nothing after it to read.
                    if (_compressedBytesSeen && !_deflate!.InboundStreamEnded)
                    {
                        _inflateInput ??= _bufferPool.Rent(InflateInputSize);
                        s_deflateTail.CopyTo(_inflateInput, 0);
                        _inflateStart = 0;
                        _inflateEnd = s_deflateTail.Length;
                    }
                }
                else
                {
                    // Everything is inflated; valid data ends between blocks once the tail is in.
                    _compressed = false;
                    ReturnInflateInput();
                    result = _deflate!.EndInboundMessage() ? EndMessage(written) : FailWith(ProtocolError.InvalidCompressedData);
                    return true;
                }

                continue;
            }

            if (!hasRoom)
            {
                room = destination.GetSpan(-1, _frame.IsFinal);
                hasRoom = true;
            }

            if (written == room.Length)
            {
                result = ReceiveEvent.Data(written, _messageType, false);
                return true;
            }

            InflateStatus status = _deflate!.Inflate(_inflateInput.AsSpan(_inflateStart, _inflateEnd - _inflateStart), room.Slice(written), out int used, out int produced);
            _inflateStart += used;
            if (produced > 0)
            {
                // The first rule broken in the order of the bytes fails the message, however the inflating was cut up: text
                // up to the limit is checked before the limit itself.
                long allowed = _settings.MaxMessageSize - _inflatedLength;
                if (_messageType == WebSocketMessageType.Text && !_utf8.TryValidate(room.Slice(written, (int)Math.Min(produced, allowed)), isFinal: false))
                {
                    result = FailWith(ProtocolError.InvalidUtf8);
                    return true;
                }

                if (produced > allowed)
                {
                    result = FailWith(ProtocolError.MessageTooLarge);
                    return true;
                }

                _inflatedLength += produced;
                written += produced;
            }

            if (status == InflateStatus.InvalidData)
            {
                result = FailWith(ProtocolError.InvalidCompressedData);
                return true;
            }

            _inflaterDrained = status == InflateStatus.NeedsInput;
            if (status == InflateStatus.OutputFull)
            {
                result = ReceiveEvent.Data(written, _messageType, false);
                return true;
            }
        }
    }

    private void ReturnInflateInput()
    {
        byte[]? buffer = _inflateInput;
        _inflateInput = null;
        _inflateStart = _inflateEnd = 0;
        if (buffer is not null)
        {
            _bufferPool.Return(buffer);
        }
    }
}
