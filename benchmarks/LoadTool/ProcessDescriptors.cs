using System;
using System.Globalization;
using System.IO;

namespace WebSocketProtocol.LoadTool;

/// <summary>A process's open file descriptors (sockets included), from <c>/proc/PID/fd</c> (Linux).</summary>
public static class ProcessDescriptors
{
    /// <summary>How many descriptors process <paramref name="pid"/> holds, or <see langword="null"/> when it cannot be read.</summary>
    public static int? Count(int pid)
    {
        try
        {
            return Directory.GetFileSystemEntries($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/fd").Length;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
