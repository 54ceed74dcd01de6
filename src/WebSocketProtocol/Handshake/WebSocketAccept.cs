using System;
using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;

namespace WebSocketProtocol.Handshake;

/// <summary>The <c>Sec-WebSocket-Key</c> / <c>Sec-WebSocket-Accept</c> pair of RFC 6455 sections 1.3 and 4.2.2.</summary>
public static class WebSocketAccept
{
    /// <summary>The length of a valid key: 16 bytes in base64.</summary>
    public const int KeyLength = 24;

    /// <summary>The length of the accept value: a SHA-1 digest in base64.</summary>
    public const int AcceptLength = 28;

    // RFC 6455 section 1.3: the GUID appended to the key before hashing.
    private static ReadOnlySpan<byte> Guid => "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"u8;

    /// <summary>Whether <paramref name="key"/> is base64 that decodes to exactly 16 bytes (RFC 6455 section 4.1, item 7).</summary>
    /// <param name="key">The header value, already trimmed.</param>
    public static bool IsValidKey(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeyLength)
        {
            return false;
        }

        Span<byte> decoded = stackalloc byte[18];
        return Base64.DecodeFromUtf8(key, decoded, out int consumed, out int written) == OperationStatus.Done
            && consumed == KeyLength && written == 16;
    }

    /// <summary>Writes the <c>Sec-WebSocket-Accept</c> value for <paramref name="key"/> as ASCII into <paramref name="destination"/>.</summary>
    /// <param name="key">The client's key as sent (24 base64 characters).</param>
    /// <param name="destination">At least <see cref="AcceptLength"/> bytes.</param>
    /// <returns>The number of bytes written: <see cref="AcceptLength"/>.</returns>
    public static int ComputeAccept(ReadOnlySpan<byte> key, Span<byte> destination)
    {
        if (key.Length != KeyLength)
        {
            ThrowHelper.ThrowArgument(nameof(key), "A Sec-WebSocket-Key is 24 base64 characters.");
        }

        if (destination.Length < AcceptLength)
        {
            ThrowHelper.ThrowArgument(nameof(destination), "The destination needs 28 bytes.");
        }

        Span<byte> input = stackalloc byte[KeyLength + 36];
        key.CopyTo(input);
        Guid.CopyTo(input.Slice(KeyLength));
        Span<byte> hash = stackalloc byte[Sha1.DigestLength];
        Sha1.Hash(input, hash);
        Base64.EncodeToUtf8(hash, destination, out _, out int written);
        return written;
    }

    /// <summary>Writes a fresh random key (16 CSPRNG bytes in base64) into <paramref name="destination"/> and returns 24.</summary>
    /// <param name="destination">At least <see cref="KeyLength"/> bytes.</param>
    public static int GenerateKey(Span<byte> destination)
    {
        if (destination.Length < KeyLength)
        {
            ThrowHelper.ThrowArgument(nameof(destination), "The destination needs 24 bytes.");
        }

        Span<byte> nonce = stackalloc byte[16];
#if NETSTANDARD2_0
        byte[] random = new byte[16];
        using (var generator = RandomNumberGenerator.Create())
        {
            generator.GetBytes(random);
        }

        random.CopyTo(nonce);
#else
        RandomNumberGenerator.Fill(nonce);
#endif
        Base64.EncodeToUtf8(nonce, destination, out _, out int written);
        return written;
    }
}
