using System;
using System.CommandLine;
using System.Globalization;
using WebSocketProtocol.Samples;

namespace WebSocketProtocol.LoadTool;

/// <summary>The kinds of option the scenarios' command lines share, each with its range.</summary>
internal static class OptionValues
{
    /// <summary>An integer in 1..<paramref name="max"/>.</summary>
    public static bool PositiveInt(string text, int max, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value > 0 && value <= max;

    /// <summary>Seconds, at most 600 (and more than 0 unless <paramref name="allowZero"/>).</summary>
    public static bool Seconds(string text, bool allowZero, out TimeSpan value)
    {
        bool valid = double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double s) && (s > 0 || (allowZero && s == 0)) && s <= 600;
        value = valid ? TimeSpan.FromSeconds(s) : default;
        return valid;
    }

    /// <summary>A count option in <paramref name="min"/>..<paramref name="max"/> with its default.</summary>
    public static Option<int> Count(string name, string valueName, string description, int max, int defaultValue, int min = 1) =>
        CommandLineParsing.Option(name, valueName, description, string.Create(CultureInfo.InvariantCulture, $"a whole number from {min} to {max}"),
            (string text, out int value) => PositiveInt(text, max, out value) && value >= min, () => defaultValue);

    /// <summary>A duration option in seconds (at most 600) with its default; read it with <see cref="TimeSpan.FromSeconds(double)"/>.</summary>
    public static Option<double> Duration(string name, string description, bool allowZero, double defaultSeconds) =>
        CommandLineParsing.Option(name, "SECONDS", description, allowZero ? "seconds from 0 to 600" : "seconds above 0 and at most 600",
            (string text, out double value) =>
            {
                bool valid = Seconds(text, allowZero, out TimeSpan span);
                value = span.TotalSeconds;
                return valid;
            },
            () => defaultSeconds);

    /// <summary>The server's process id (<c>--server-pid</c>), for what the scenario reads from /proc/PID.</summary>
    public static Option<int?> ServerPid(string description) =>
        CommandLineParsing.Option<int?>("--server-pid", "PID", description, "a process id",
            (string text, out int? value) => (value = PositiveInt(text, int.MaxValue, out int pid) ? pid : null) is not null);

    /// <summary>A ws:// URL, also loopback when <paramref name="loopbackOnly"/>.</summary>
    public static bool WebSocketUrl(string text, bool loopbackOnly, out Uri value) =>
        Uri.TryCreate(text, UriKind.Absolute, out value!) && value.Scheme == "ws" && (!loopbackOnly || value.IsLoopback);
}
