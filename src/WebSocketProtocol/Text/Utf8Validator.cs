using System;
using System.Runtime.CompilerServices;

namespace WebSocketProtocol.Text;

/// <summary>
/// Validates UTF-8 (RFC 3629, as RFC 6455 section 8.1 requires of text) incrementally across fragments: it carries an
/// incomplete code point from one call to the next and fails at the first byte that cannot continue a valid sequence,
/// even inside a code point split between fragments. Whole runs go through the platform's vectorised validator.
/// </summary>
public struct Utf8Validator
{
    // Continuation bytes still owed by the current sequence, and the range the next one must fall in.
    private byte _pending;
    private byte _lower;
    private byte _upper;

    /// <summary>Whether no code point is left half-received: a message may end here.</summary>
    public readonly bool IsComplete => _pending == 0;

    /// <summary>Forgets any partial code point, for the next message.</summary>
    public void Reset() => this = default;

    /// <summary>
    /// Checks the next bytes of a message. Returns <see langword="false"/> as soon as they cannot be valid UTF-8, or when
    /// <paramref name="isFinal"/> is set and the message ends inside a code point.
    /// </summary>
    /// <param name="bytes">The next bytes of the text.</param>
    /// <param name="isFinal">Whether these are the message's last bytes.</param>
    public bool TryValidate(ReadOnlySpan<byte> bytes, bool isFinal)
    {
        // Finish a code point left open by the previous call, byte by byte.
        int start = 0;
        while (_pending != 0 && start < bytes.Length)
        {
            if (!Step(bytes[start++]))
            {
                return false;
            }
        }

        ReadOnlySpan<byte> rest = bytes.Slice(start);
        int cut = rest.Length - IncompleteTailLength(rest);
        if (!IsValidWhole(rest.Slice(0, cut)))
        {
            return false;
        }

        // The tail (at most 3 bytes) starts a code point the next call completes; check what is here already.
        for (int i = cut; i < rest.Length; i++)
        {
            if (!Step(rest[i]))
            {
                return false;
            }
        }

        return !isFinal || _pending == 0;
    }

    /// <summary>Validates a whole message in one call.</summary>
    /// <param name="bytes">The complete text.</param>
    public static bool IsValid(ReadOnlySpan<byte> bytes)
    {
        Utf8Validator validator = default;
        return validator.TryValidate(bytes, isFinal: true);
    }

    /// <summary>The length of a trailing lead byte and its continuations that do not yet form a whole code point.</summary>
    internal static int IncompleteTailLength(ReadOnlySpan<byte> bytes)
    {
        for (int back = 1; back <= 3 && back <= bytes.Length; back++)
        {
            byte b = bytes[bytes.Length - back];
            if ((b & 0xC0) == 0x80)
            {
                continue;
            }

            int needed = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
            return needed > back ? back : 0;
        }

        return 0;
    }

    private static bool IsValidWhole(ReadOnlySpan<byte> bytes)
    {
#if NET8_0_OR_GREATER
        return Utf8SimdValidator.IsValid(bytes);
#else
        return IsValidWholeScalar(bytes);
#endif
    }

    /// <summary>The whole-run check netstandard2.0 uses everywhere; tests hold it to the same answers as the vectorised one.</summary>
    internal static bool IsValidWholeScalar(ReadOnlySpan<byte> bytes)
    {
        Utf8Validator validator = default;
        int i = 0;
        while (i < bytes.Length)
        {
            // Eight ASCII bytes at a time; anything else goes through the state machine.
            if (validator._pending == 0 && i + 8 <= bytes.Length
                && (System.Runtime.InteropServices.MemoryMarshal.Read<ulong>(bytes.Slice(i)) & 0x8080808080808080UL) == 0)
            {
                i += 8;
                continue;
            }

            if (!validator.Step(bytes[i++]))
            {
                return false;
            }
        }

        return validator._pending == 0;
    }

    /// <summary>One byte of the RFC 3629 section 4 grammar: no overlong forms, no surrogates, nothing above U+10FFFF.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Step(byte b)
    {
        if (_pending != 0)
        {
            if (b < _lower || b > _upper)
            {
                return false;
            }

            _pending--;
            _lower = 0x80;
            _upper = 0xBF;
            return true;
        }

        if (b < 0x80)
        {
            return true;
        }

        (_pending, _lower, _upper) = b switch
        {
            >= 0xC2 and <= 0xDF => ((byte)1, (byte)0x80, (byte)0xBF),
            0xE0 => ((byte)2, (byte)0xA0, (byte)0xBF),
            0xED => ((byte)2, (byte)0x80, (byte)0x9F),
            >= 0xE1 and <= 0xEF => ((byte)2, (byte)0x80, (byte)0xBF),
            0xF0 => ((byte)3, (byte)0x90, (byte)0xBF),
            >= 0xF1 and <= 0xF3 => ((byte)3, (byte)0x80, (byte)0xBF),
            0xF4 => ((byte)3, (byte)0x80, (byte)0x8F),
            _ => ((byte)0, (byte)0, (byte)0),
        };
        return _pending != 0;
    }
}
