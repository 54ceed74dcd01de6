using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using WebSocketProtocol.Tests.AspNetCore;
using Xunit;

namespace WebSocketProtocol.Tests.Docs;

/// <summary>Every C# block of README.md, the package READMEs and docs/ compiles, warnings as errors, nullable on.</summary>
public sealed class MarkdownCodeBlockTests
{
    public static TheoryData<string> Documents() => new(MarkdownCodeBlocks.Documents());

    [Theory]
    [MemberData(nameof(Documents))]
    public void Every_csharp_block_compiles_as_a_program_or_as_the_fragment_its_comment_declares(string document)
    {
        var blocks = MarkdownCodeBlocks.Blocks(document).ToList();
        Assert.NotEmpty(blocks);

        var failures = blocks
            .Select(block => (block, ReadmeExample.Compile(block.Code, block.IsProgram ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary).Diagnostics))
            .Where(result => !result.Diagnostics.IsEmpty)
            .Select(result => $"{document} block {result.block.Number} (line {result.block.Line}):{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", result.Diagnostics.Select(d => d.ToString())))
            .ToList();

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }
}
