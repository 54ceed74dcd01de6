using System;
using System.Buffers;
using System.Text;
using WebSocketProtocol.Fuzz.Support;
using WebSocketProtocol.Text;

namespace WebSocketProtocol.Fuzz.Targets;

/// <summary>
/// The UTF-8 checks, differentially: <see cref="Utf8Validator"/> whole, its scalar and vector runs, and the validator fed
/// in pieces must all agree with the platform's <see cref="System.Text.Unicode.Utf8.IsValid"/>; fed in pieces it must fail
/// in exactly the piece where the text stops being the start of some valid text, and report a code point left open exactly
/// when one is.
/// </summary>
/// <remarks>Input: byte 0 bits 0-1 how the text is cut (<see cref="ChunkPlan"/>), bits 2-7 a seed. The rest is the text.</remarks>
internal sealed class Utf8Target : IFuzzTarget
{
    public string Name => "utf8";

    public void Run(ReadOnlySpan<byte> input)
    {
        var settings = new FuzzInput(input);
        byte first = settings.TakeByte();
        ReadOnlySpan<byte> text = settings.Rest;

        bool valid = System.Text.Unicode.Utf8.IsValid(text);
        Agree("Utf8Validator.IsValid", Utf8Validator.IsValid(text), valid);
        Agree("the scalar whole-run check", Utf8Validator.IsValidWholeScalar(text), valid);
        Agree("the vector whole-run check", Utf8SimdValidator.IsValid(text), valid);

        bool[] boundaries = new bool[text.Length + 1];
        int validPrefix = MapCodePoints(text, boundaries);
        var plan = new ChunkPlan(first, (uint)(first >> 2));
        Utf8Validator validator = default;
        int position = 0;
        do
        {
            int size = text.Length == 0 ? 0 : plan.Next(text.Length - position);
            int end = position + size;
            bool isFinal = end == text.Length;
            bool accepted = validator.TryValidate(text.Slice(position, size), isFinal);
            bool shouldAccept = isFinal ? valid : end <= validPrefix;
            if (accepted != shouldAccept)
            {
                throw new FuzzFindingException(
                    $"Fed in pieces, the validator {(accepted ? "accepted" : "rejected")} bytes {position}..{end} of {text.Length} (final: {isFinal}); the text is a valid start up to {validPrefix} bytes.");
            }

            if (!accepted)
            {
                return;
            }

            if (validator.IsComplete != boundaries[end])
            {
                throw new FuzzFindingException($"After {end} bytes the validator says a code point is {(validator.IsComplete ? "not " : string.Empty)}open.");
            }

            position = end;
        }
        while (position < text.Length);
    }

    /// <summary>
    /// Marks where code points end (with the platform's decoder, one code point at a time) and returns how long a start of
    /// <paramref name="text"/> can be and still begin some valid text.
    /// </summary>
    private static int MapCodePoints(ReadOnlySpan<byte> text, bool[] boundaries)
    {
        boundaries[0] = true;
        int position = 0;
        while (position < text.Length)
        {
            OperationStatus status = Rune.DecodeFromUtf8(text.Slice(position), out _, out int consumed);
            if (status == OperationStatus.Done)
            {
                position += consumed;
                boundaries[position] = true;
                continue;
            }

            if (status == OperationStatus.NeedMoreData)
            {
                return text.Length;
            }

            // An invalid sequence: its first bytes may still start a valid one (E0 before 80 is wrong only at the 80).
            int extra = 0;
            while (extra < 3 && position + extra + 1 <= text.Length
                && Rune.DecodeFromUtf8(text.Slice(position, extra + 1), out _, out _) == OperationStatus.NeedMoreData)
            {
                extra++;
            }

            return position + extra;
        }

        return text.Length;
    }

    private static void Agree(string what, bool actual, bool expected)
    {
        if (actual != expected)
        {
            throw new FuzzFindingException($"{what} says {(actual ? "valid" : "invalid")}, the platform {(expected ? "valid" : "invalid")}.");
        }
    }
}
