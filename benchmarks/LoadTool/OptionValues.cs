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
}
