using System;
using System.Globalization;
using System.IO;
using System.Linq;

namespace WebSocketProtocol.Tests.Transport;

/// <summary>
/// Which TCP sockets this process holds, read from Linux's <c>/proc</c>: a socket is found by its ports in
/// <c>/proc/net/tcp</c> and <c>tcp6</c> (a dual-mode socket talking IPv4 is listed in <c>tcp6</c>), and is held while a
/// link in <c>/proc/self/fd</c> names its inode.
/// </summary>
internal static class SocketDescriptors
{
    /// <summary>The inode of the TCP socket from <paramref name="localPort"/> to <paramref name="remotePort"/>, or 0 when none is listed.</summary>
    public static long FindInode(int localPort, int remotePort)
    {
        foreach (string table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            // "sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...", ports in hex.
            foreach (string line in File.ReadLines(table).Skip(1))
            {
                string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length > 9 && Port(fields[1]) == localPort && Port(fields[2]) == remotePort)
                {
                    long inode = long.Parse(fields[9], CultureInfo.InvariantCulture);
                    if (inode != 0)
                    {
                        return inode;
                    }
                }
            }
        }

        return 0;
    }

    /// <summary>Whether a descriptor of this process refers to the socket <paramref name="inode"/>.</summary>
    public static bool IsHeld(long inode)
    {
        string target = "socket:[" + inode.ToString(CultureInfo.InvariantCulture) + "]";
        foreach (string descriptor in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            try
            {
                if (new FileInfo(descriptor).LinkTarget == target)
                {
                    return true;
                }
            }
            catch (IOException)
            {
                // Closed while listed.
            }
        }

        return false;
    }

    private static int Port(string address) => int.Parse(address.AsSpan(address.IndexOf(':', StringComparison.Ordinal) + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
}
