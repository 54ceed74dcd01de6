using System;
using System.Globalization;

namespace WebSocketProtocol.LoadTool;

/// <summary>The value parsers the scenarios' command lines share.</summary>
internal static class OptionValues
{
    /// <summary>An integer in 1..<paramref name="max"/>, or <see langword="null"/>.</summary>
    public static int? PositiveInt(string value, int max) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0 && n <= max ? n : null;

    /// <summary>Seconds, at most 600 (and more than 0 unless <paramref name="allowZero"/>), or <see langword="null"/>.</summary>
    public static TimeSpan? Seconds(string value, bool allowZero) =>
        double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double s) && (s > 0 || (allowZero && s == 0)) && s <= 600
            ? TimeSpan.FromSeconds(s)
            : null;

    /// <summary>
    /// Reads <c>--name value</c> pairs in order, handing each to <paramref name="apply"/>, which returns false for an
    /// unknown option or a bad value; the error for the first pair that fails, or <see langword="null"/>.
    /// </summary>
    public static string? ReadPairs(string[] args, Func<string, string, bool> apply)
    {
        for (int i = 0; i < args.Length; i += 2)
        {
            if (i + 1 >= args.Length)
            {
                return $"{args[i]} needs a value.";
            }

            if (!apply(args[i], args[i + 1]))
            {
                return $"Unknown option or bad value: {args[i]} {args[i + 1]}";
            }
        }

        return null;
    }
}
