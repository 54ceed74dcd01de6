using System;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;

namespace WebSocketProtocol.LoadTool;

/// <summary>
/// The CPU time (user plus system) a process has used so far, from <c>/proc/PID/stat</c> (Linux), in clock ticks of
/// <c>sysconf(_SC_CLK_TCK)</c>, usually 100 a second.
/// </summary>
public static partial class ProcessCpu
{
    private const int ScClkTck = 2;
    private static readonly Lazy<long> LazyTicksPerSecond = new(ReadTicksPerSecond);

    /// <summary>Clock ticks per second, as <c>/proc/PID/stat</c> counts them.</summary>
    public static long TicksPerSecond => LazyTicksPerSecond.Value;

    /// <summary>The user plus system time of process <paramref name="pid"/>, or <see langword="null"/> when it cannot be read.</summary>
    public static TimeSpan? Read(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
        // Then come state (field 3) ... utime (field 14) and stime (field 15).
        string[] fields = stat.Substring(stat.LastIndexOf(')') + 2).Split(' ');
        long ticks = long.Parse(fields[14 - 3], CultureInfo.InvariantCulture) + long.Parse(fields[15 - 3], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds((double)ticks / TicksPerSecond);
    }

    private static long ReadTicksPerSecond()
    {
        try
        {
            long ticks = SysConf(ScClkTck);
            return ticks > 0 ? ticks : 100;
        }
        catch (Exception exception) when (exception is DllNotFoundException or EntryPointNotFoundException)
        {
            return 100;
        }
    }

    [DllImport("libc.so.6", EntryPoint = "sysconf")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern long SysConf(int name);
}
