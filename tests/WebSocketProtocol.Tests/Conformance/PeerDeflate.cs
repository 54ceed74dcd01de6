using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using WebSocketProtocol.Extensions.Deflate;
using WebSocketProtocol.Tests.Extensions.Deflate;

namespace WebSocketProtocol.Tests.Conformance;

/// <summary>
/// The test peer's side of permessage-deflate, as agreed in the handshake. It inflates what the implementation sends with
/// the platform's zlib, one stream for the whole connection (context taken over or not, a stream decodes it), and
/// compresses what it sends with zlib too while the agreed window is the full 32 KiB; zlib cannot be held to a smaller
/// window, so there the library's compressor, which the unit tests check against zlib, stands in.
/// </summary>
internal sealed class PeerDeflate : IDisposable
{
    private static readonly byte[] Tail = { 0x00, 0x00, 0xFF, 0xFF };

    private readonly int _sendWindowBits;
    private readonly bool _sendNoContextTakeover;
    private readonly Deflater? _deflater;
    private readonly ZlibReceiver _received = new();
    private MemoryStream _sent = new();
    private DeflateStream? _compress;

    /// <param name="sendWindowBits">The window the peer may compress with.</param>
    /// <param name="sendNoContextTakeover">Whether the peer must compress each message on its own.</param>
    public PeerDeflate(int sendWindowBits, bool sendNoContextTakeover)
    {
        _sendWindowBits = sendWindowBits;
        _sendNoContextTakeover = sendNoContextTakeover;
        if (sendWindowBits < PerMessageDeflateOptions.MaxWindowBits)
        {
            _deflater = new Deflater(sendWindowBits);
        }
    }

    public override string ToString() => $"peer sends with 2^{_sendWindowBits}{(_sendNoContextTakeover ? ", no context takeover" : string.Empty)}";

    /// <summary>One message's payload: DEFLATE data ending in a sync flush whose last 4 bytes are left off.</summary>
    public byte[] Compress(byte[] message)
    {
        if (_deflater is not null)
        {
            var output = new ArrayBufferWriter<byte>();
            _deflater.CompressMessage(message, output);
            if (_sendNoContextTakeover)
            {
                _deflater.Reset();
            }

            return output.WrittenSpan.ToArray();
        }

        _compress ??= new DeflateStream(_sent, CompressionLevel.Optimal, leaveOpen: true);
        long start = _sent.Length;
        _compress.Write(message);
        _compress.Flush();
        byte[] payload = _sent.ToArray().AsSpan((int)start).ToArray();
        if (_sendNoContextTakeover)
        {
            _compress.Dispose();
            _compress = null;
            _sent = new MemoryStream();
        }

        // zlib writes nothing at all for an empty message with nothing pending; the receiver's tail alone decodes to nothing.
        return payload.AsSpan().EndsWith(Tail) ? payload.AsSpan(0, payload.Length - Tail.Length).ToArray() : payload;
    }

    /// <summary>Inflates one compressed message from the implementation, with the tail put back (RFC 7692 section 7.2.2).</summary>
    public byte[] Inflate(byte[] payload) => _received.Receive(payload);

    public void Dispose()
    {
        _compress?.Dispose();
        _received.Dispose();
    }
}
