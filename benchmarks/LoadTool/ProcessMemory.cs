using System;
using System.Globalization;
using System.IO;

namespace WebSocketProtocol.LoadTool;

/// <summary>A process's resident set, from the <c>VmRSS</c> line of <c>/proc/PID/status</c> (Linux).</summary>
public static class ProcessMemory
{
    /// <summary>The resident set of process <paramref name="pid"/> in bytes, or <see langword="null"/> when it cannot be read.</summary>
    public static long? ResidentBytes(int pid)
    {
        try
        {
            foreach (string line in File.ReadLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    // "VmRSS:     123456 kB"
                    string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    return long.Parse(parts[1], CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
        }

        return null;
    }
}
