using System;
using System.Text;

namespace WebSocketProtocol;

/// <summary>Strict UTF-16 to UTF-8 encoding over spans on every target: an unpaired surrogate throws instead of becoming U+FFFD.</summary>
internal static class Utf8Encoder
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static int GetByteCount(ReadOnlySpan<char> chars)
    {
#if NETSTANDARD2_0
        if (chars.IsEmpty)
        {
            return 0;
        }

        unsafe
        {
            fixed (char* source = chars)
            {
                return Strict.GetByteCount(source, chars.Length);
            }
        }
#else
        return Strict.GetByteCount(chars);
#endif
    }

    public static int GetBytes(ReadOnlySpan<char> chars, Span<byte> bytes)
    {
#if NETSTANDARD2_0
        if (chars.IsEmpty)
        {
            return 0;
        }

        unsafe
        {
            fixed (char* source = chars)
            fixed (byte* destination = bytes)
            {
                return Strict.GetBytes(source, chars.Length, destination, bytes.Length);
            }
        }
#else
        return Strict.GetBytes(chars, bytes);
#endif
    }
}
