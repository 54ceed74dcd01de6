using System;
using System.Collections.Generic;
using System.IO;
using System.Text.RegularExpressions;

namespace WebSocketProtocol.Tests.Docs;

/// <summary>
/// The <c>```csharp</c> blocks of the READMEs (and of <c>docs/</c>) copied next to the test assembly, each with what it
/// needs to compile. A block is a whole program (with its own <c>using</c> directives), unless it is a fragment: the
/// comment <c>&lt;!-- fragment: TYPE name, ... --&gt;</c> on the line before its fence names the variables the prose around
/// it gives it (the pipes of an accepted connection, the app being built), and it compiles as the body of an async method
/// taking them, with the usings a project of the package would have.
/// </summary>
internal static partial class MarkdownCodeBlocks
{
    /// <summary>The usings a fragment sees: the package's namespaces, the platform's WebSockets, and ASP.NET Core's.</summary>
    public const string FragmentUsings = """
        using System;
        using System.IO.Pipelines;
        using System.Net.WebSockets;
        using System.Text;
        using System.Threading;
        using System.Threading.Tasks;
        using Microsoft.AspNetCore.Builder;
        using Microsoft.AspNetCore.Http;
        using WebSocketProtocol;
        using WebSocketProtocol.AspNetCore;
        using WebSocketProtocol.Connection;
        using WebSocketProtocol.Extensions.Deflate;
        using WebSocketProtocol.Framing;
        using WebSocketProtocol.Handshake;
        using WebSocketProtocol.Transport;

        """;

    /// <summary>The documents whose blocks must compile, as the test project copies them (folder Docs).</summary>
    public static IEnumerable<string> Documents()
    {
        string folder = Path.Combine(AppContext.BaseDirectory, "Docs");
        foreach (string path in Directory.EnumerateFiles(folder, "*.md", SearchOption.AllDirectories))
        {
            yield return Path.GetRelativePath(folder, path);
        }
    }

    /// <summary>
    /// Every <c>csharp</c> block of <paramref name="document"/>: its number (from 1), its first line in the file, the code to
    /// compile, and whether that is a program (a block with no fragment comment) or a library (a fragment, wrapped).
    /// </summary>
    public static IEnumerable<(int Number, int Line, string Code, bool IsProgram)> Blocks(string document)
    {
        string[] lines = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Docs", document)).Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        int number = 0;
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i] != "```csharp")
            {
                continue;
            }

            int start = i + 1;
            int end = Array.IndexOf(lines, "```", start);
            if (end < 0)
            {
                throw new InvalidDataException($"{document}:{i + 1}: a ```csharp block that never ends.");
            }

            string body = string.Join("\n", lines[start..end]);
            string? fragment = i > 0 ? FragmentComment().Match(lines[i - 1]) is { Success: true } m ? m.Groups["parameters"].Value : null : null;
            yield return (++number, start, fragment is null ? body : AsMethod(body, fragment), fragment is null);
            i = end;
        }
    }

    private static string AsMethod(string body, string parameters) =>
        FragmentUsings + "\ninternal static class Fragment\n{\n    internal static async Task RunAsync(" + parameters + ")\n    {\n" +
        body + "\n        await Task.CompletedTask;\n    }\n}\n";

    [GeneratedRegex("^<!-- fragment: (?<parameters>.*) -->$")]
    private static partial Regex FragmentComment();
}
