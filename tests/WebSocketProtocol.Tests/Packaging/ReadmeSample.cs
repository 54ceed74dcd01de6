using System;
using System.IO;
using WebSocketProtocol.Tests.Support;

namespace WebSocketProtocol.Tests.Packaging;

/// <summary>
/// The C# code blocks of the package's README (src/WebSocketProtocol/README.md), taken verbatim so the tests compile and
/// run exactly what a reader copies.
/// </summary>
internal static class ReadmeSample
{
    public const string ClientHeading = "## Quick start: a client";

    public const string ServerHeading = "## Quick start: a server";

    public static string ReadmePath => Path.Combine(ChildProcess.RepositoryRoot, "src", "WebSocketProtocol", "README.md");

    /// <summary>The first <c>```csharp</c> block after the line <paramref name="heading"/>, without its fences.</summary>
    public static string CodeAfter(string heading)
    {
        string readme = File.ReadAllText(ReadmePath).ReplaceLineEndings("\n");
        int section = readme.IndexOf("\n" + heading + "\n", StringComparison.Ordinal);
        if (section < 0)
        {
            throw new InvalidOperationException($"{ReadmePath} has no line '{heading}'.");
        }

        const string Open = "\n```csharp\n";
        int start = readme.IndexOf(Open, section, StringComparison.Ordinal);
        int end = start < 0 ? -1 : readme.IndexOf("\n```\n", start + Open.Length, StringComparison.Ordinal);
        if (end < 0)
        {
            throw new InvalidOperationException($"{ReadmePath} has no closed csharp block after '{heading}'.");
        }

        return readme.Substring(start + Open.Length, end + 1 - (start + Open.Length));
    }
}
