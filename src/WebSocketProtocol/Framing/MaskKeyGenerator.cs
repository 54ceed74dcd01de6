using System;
using System.Buffers.Binary;
using System.Security.Cryptography;

namespace WebSocketProtocol.Framing;

/// <summary>
/// Unpredictable masking keys (RFC 6455 section 5.3 requires them to come from a strong source of entropy), drawn from the
/// CSPRNG 64 keys at a time so the cost per frame is a buffer read. Not thread-safe; each writer owns one.
/// </summary>
internal sealed class MaskKeyGenerator
{
    private const int KeysPerBatch = 64;

#if NETSTANDARD2_0
    private static readonly RandomNumberGenerator Source = RandomNumberGenerator.Create();
#endif

    private readonly byte[] _batch = new byte[KeysPerBatch * sizeof(uint)];
    private int _position = KeysPerBatch * sizeof(uint);

    public uint Next()
    {
        if (_position == _batch.Length)
        {
#if NETSTANDARD2_0
            Source.GetBytes(_batch);
#else
            RandomNumberGenerator.Fill(_batch);
#endif
            _position = 0;
        }

        uint key = BinaryPrimitives.ReadUInt32BigEndian(_batch.AsSpan(_position));
        _position += sizeof(uint);
        return key;
    }
}
