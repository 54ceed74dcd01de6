using System;
using System.Buffers;
using System.Collections.Generic;

namespace WebSocketProtocol.Tests.Support;

/// <summary>
/// An array pool that catches misuse of what it lends: every array it hands out is new, and a returned one is filled with
/// <see cref="Poison"/> and kept in quarantine instead of being lent again. A second return of an array, or the return of
/// one it never lent, is a violation; so is any byte of a quarantined array that is no longer poison at
/// <see cref="CheckQuarantine"/> (something wrote to it after its return). Code that reads a returned array reads poison,
/// which the data it produces then shows.
/// </summary>
internal sealed class PoisoningArrayPool : ArrayPool<byte>
{
    /// <summary>The byte returned arrays are filled with: not ASCII, and not a byte the stress messages repeat.</summary>
    public const byte Poison = 0xDB;

    private readonly object _gate = new();
    private readonly HashSet<byte[]> _lent = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<byte[]> _quarantine = new(ReferenceEqualityComparer.Instance);
    private readonly List<string> _violations = new();

    /// <summary>Arrays lent and not yet returned.</summary>
    public int Outstanding
    {
        get
        {
            lock (_gate)
            {
                return _lent.Count;
            }
        }
    }

    /// <summary>Every misuse seen so far, described.</summary>
    public IReadOnlyList<string> Violations
    {
        get
        {
            lock (_gate)
            {
                return _violations.ToArray();
            }
        }
    }

    public override byte[] Rent(int minimumLength)
    {
        var array = new byte[Math.Max(minimumLength, 16)];
        lock (_gate)
        {
            _lent.Add(array);
        }

        return array;
    }

    public override void Return(byte[] array, bool clearArray = false)
    {
        lock (_gate)
        {
            if (array is null)
            {
                _violations.Add("Return(null): a buffer was returned after it had already been taken away.");
            }
            else if (!_lent.Remove(array))
            {
                _violations.Add(_quarantine.Contains(array)
                    ? $"A {array.Length}-byte array was returned twice."
                    : $"A {array.Length}-byte array this pool never lent was returned to it.");
            }
            else
            {
                array.AsSpan().Fill(Poison);
                _quarantine.Add(array);
                return;
            }
        }

        // As the shared pool does: a null or foreign array is refused.
        ArgumentNullException.ThrowIfNull(array);
    }

    /// <summary>Records a violation for every returned array some byte of which is no longer poison.</summary>
    public void CheckQuarantine()
    {
        lock (_gate)
        {
            foreach (byte[] array in _quarantine)
            {
                int written = array.AsSpan().IndexOfAnyExcept(Poison);
                if (written >= 0)
                {
                    _violations.Add($"A {array.Length}-byte array was written after its return (byte {written} is 0x{array[written]:X2}).");
                }
            }
        }
    }
}
