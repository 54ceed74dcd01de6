using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using Microsoft.Win32.SafeHandles;

namespace ChatServer.Connections;

/// <summary>
/// A few file descriptors held back (open on the null device) for the runtime. A process at its descriptor limit cannot
/// open anything: the garbage collector reads /proc/meminfo, assemblies load lazily, and with every open failing the
/// runtime gives up with "Out of memory." When accept runs out of descriptors, the listener gives these back at once,
/// so the runtime has room while the server holds at the connections it has; it takes them again once connections close.
/// </summary>
internal sealed class DescriptorReserve : IDisposable
{
    private readonly int _size;
    private readonly List<SafeFileHandle> _held = new();
    private readonly Lock _gate = new();

    public DescriptorReserve(int size)
    {
        _size = size;
        TryTake();
    }

    /// <summary>Descriptors held back now.</summary>
    public int Held
    {
        get
        {
            lock (_gate)
            {
                return _held.Count;
            }
        }
    }

    /// <summary>Takes the reserve again (all of it, or none); false when the descriptors are not there.</summary>
    public bool TryTake()
    {
        lock (_gate)
        {
            if (_held.Count == _size)
            {
                return true;
            }

            try
            {
                while (_held.Count < _size)
                {
                    _held.Add(File.OpenHandle(OperatingSystem.IsWindows() ? "NUL" : "/dev/null", FileMode.Open, FileAccess.Read));
                }

                return true;
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                ReleaseLocked();
                return false;
            }
        }
    }

    /// <summary>Gives the reserve back to the process.</summary>
    public void Release()
    {
        lock (_gate)
        {
            ReleaseLocked();
        }
    }

    public void Dispose() => Release();

    private void ReleaseLocked()
    {
        foreach (SafeFileHandle handle in _held)
        {
            handle.Dispose();
        }

        _held.Clear();
    }
}
