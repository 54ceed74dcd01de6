using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using SharpFuzz;
using WebSocketProtocol.Fuzz;

// WebSocketProtocol.Fuzz TARGET          fuzz under afl-fuzz (fuzz/run.sh sets that up)
// WebSocketProtocol.Fuzz TARGET PATH...  run each file (or each file of a folder) once and say what happened
// WebSocketProtocol.Fuzz --list          the target names
if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.WriteLine("usage: WebSocketProtocol.Fuzz TARGET [FILE|FOLDER...] | --list");
    Console.WriteLine("With only TARGET it serves afl-fuzz; with files it runs each once and exits 1 if any is a finding.");
    return args.Length == 0 ? 2 : 0;
}

if (args[0] == "--list")
{
    foreach (IFuzzTarget each in FuzzTargets.All)
    {
        Console.WriteLine(each.Name);
    }

    return 0;
}

IFuzzTarget? target = FuzzTargets.Find(args[0]);
if (target is null)
{
    Console.Error.WriteLine($"unknown target '{args[0]}'; --list names them");
    return 2;
}

if (args.Length == 1)
{
    // Out of process: SharpFuzz runs the inputs in a child it restarts after a crash or a time-out, so a hang is
    // reported as one instead of stopping the fork server.
    Fuzzer.OutOfProcess.Run(stream =>
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        TargetRunner.Run(target, copy.GetBuffer().AsSpan(0, (int)copy.Length));
    });
    return 0;
}

int findings = 0;
foreach (string file in ExpandPaths(args.Skip(1)))
{
    byte[] input = File.ReadAllBytes(file);
    var clock = Stopwatch.StartNew();
    try
    {
        TargetRunner.Run(target, input);
        Console.WriteLine($"ok {file} ({input.Length} bytes, {clock.ElapsedMilliseconds} ms)");
    }
    catch (Exception exception)
    {
        findings++;
        Console.WriteLine($"FINDING {file} ({input.Length} bytes, {clock.ElapsedMilliseconds} ms): {exception}");
    }
}

return findings == 0 ? 0 : 1;

static IEnumerable<string> ExpandPaths(IEnumerable<string> paths)
{
    foreach (string path in paths)
    {
        if (Directory.Exists(path))
        {
            foreach (string file in Directory.GetFiles(path).Where(f => Path.GetFileName(f) != "README.txt").Order(StringComparer.Ordinal))
            {
                yield return file;
            }
        }
        else
        {
            yield return path;
        }
    }
}
