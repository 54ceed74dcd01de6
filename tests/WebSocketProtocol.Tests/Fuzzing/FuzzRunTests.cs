using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using WebSocketProtocol.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace WebSocketProtocol.Tests.Fuzzing;

/// <summary>
/// A short coverage-guided run of every fuzz target (fuzz/README.md): AFL++ mutating the committed seeds against the
/// SharpFuzz-instrumented library for a minute each. Any exception a target lets through, an oracle's disagreement, a hang
/// or runaway allocation is a crash that fails the test, with the input printed for a regression test.
/// </summary>
[Collection(FuzzRunCollection.Name)]
public class FuzzRunTests
{
    private const int Seconds = 60;

    private static readonly Regex Summary = new(@"^fuzz: (?<target>[\w-]+): (?<execs>\d+) execs", RegexOptions.CultureInvariant);

    private readonly FuzzBuild _build;
    private readonly ITestOutputHelper _output;

    public FuzzRunTests(FuzzBuild build, ITestOutputHelper output)
    {
        _build = build;
        _output = output;
    }

    private static readonly string[] TargetNames = { "frame-reader", "handshake-server", "handshake-client", "utf8", "inflater", "connection", "protocol" };

    public static TheoryData<string> Targets => new(TargetNames);

    [Fact]
    public void Every_target_of_the_fuzz_program_has_a_run_here_and_a_seed_corpus()
    {
        Assert.Equal(TargetNames.Order(StringComparer.Ordinal), _build.Targets.Order(StringComparer.Ordinal));
        foreach (string target in _build.Targets)
        {
            Assert.NotEmpty(Directory.GetFiles(Path.Combine(ChildProcess.RepositoryRoot, "fuzz", "corpus", target)));
        }
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task A_minute_of_AFL_fuzzing_from_the_seed_corpus_finds_no_crash_and_no_hang(string target)
    {
        string findings = Path.Combine(Path.GetTempPath(), $"websocketprotocol-fuzz-{target}-{Guid.NewGuid():N}");
        try
        {
            var environment = new Dictionary<string, string?> { ["FUZZ_SKIP_PUBLISH"] = "1" };
            await using (ChildProcess run = ChildProcess.StartRepositoryShellScript("fuzz/run.sh", environment, target, Seconds.ToString(System.Globalization.CultureInfo.InvariantCulture), findings))
            {
                int exit = await run.WaitForExitAsync(TimeSpan.FromSeconds(Seconds + 180));
                foreach (string line in run.Output)
                {
                    _output.WriteLine(line);
                }

                Assert.True(exit == 0, $"fuzz/run.sh {target} exited with {exit}. {run.Describe()}");
                Match summary = run.Output.Select(line => Summary.Match(line)).FirstOrDefault(match => match.Success && match.Groups["target"].Value == target)
                    ?? throw new Xunit.Sdk.XunitException($"fuzz/run.sh {target} printed no summary. {run.Describe()}");
                Assert.True(long.Parse(summary.Groups["execs"].Value, System.Globalization.CultureInfo.InvariantCulture) > 0, summary.Value);
            }

            // The script's verdict on crashes, checked at the source: AFL++ saved no crashing input. An input AFL++ saved as
            // a hang (over 2 s, which a busy shared machine can cause) fails the run only when the script's rerun with ten
            // times the time confirms it, which the exit code above has already said.
            Assert.Empty(Directory.GetFiles(Path.Combine(findings, "default", "crashes"), "id:*"));
        }
        finally
        {
            if (Directory.Exists(findings))
            {
                Directory.Delete(findings, recursive: true);
            }

            File.Delete(findings + ".log");
        }
    }
}
