using System;
using System.Runtime.InteropServices;

namespace ChatServer.Connections;

/// <summary>
/// The process's limit on open file descriptors (RLIMIT_NOFILE). Every connection holds one, from its accept until it
/// is disposed, so the limit bounds the connections a server can hold; running out makes accept fail (EMFILE).
/// </summary>
internal static class DescriptorLimit
{
    // RLIMIT_NOFILE's number differs between kernels: 7 on Linux, 8 on macOS and the BSDs.
    private static int Resource => OperatingSystem.IsLinux() ? 7 : 8;

    /// <summary>
    /// Raises the soft limit to the hard one (an unprivileged process may; the soft limit is often far lower, 1,024 in
    /// many shells) and returns the limit in force afterwards, or <see langword="null"/> where there is no such limit
    /// (Windows) or it cannot be read.
    /// </summary>
    public static long? RaiseToHardLimit()
    {
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD()))
        {
            return null;
        }

        try
        {
            if (getrlimit(Resource, out ResourceLimit limit) != 0)
            {
                return null;
            }

            if (limit.Current < limit.Maximum)
            {
                var raised = new ResourceLimit { Current = limit.Maximum, Maximum = limit.Maximum };
                if (setrlimit(Resource, in raised) == 0)
                {
                    limit = raised;
                }
            }

            // RLIM_INFINITY is all ones; no server could use that many, so report it as the largest signed value.
            return limit.Current > long.MaxValue ? long.MaxValue : (long)limit.Current;
        }
        catch (Exception exception) when (exception is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct ResourceLimit
    {
        // rlim_t is 64 bits wide on every 64-bit Unix .NET runs on.
        public ulong Current;
        public ulong Maximum;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int getrlimit(int resource, out ResourceLimit limit);

    [DllImport("libc", SetLastError = true)]
    private static extern int setrlimit(int resource, in ResourceLimit limit);
}
