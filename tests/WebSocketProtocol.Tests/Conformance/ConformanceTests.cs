using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using WebSocketProtocol.Tests.Interop;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace WebSocketProtocol.Tests.Conformance;

/// <summary>
/// The conformance suite modelled on the Autobahn|TestSuite catalogue (sections 1-7, 9, 10): every case of
/// <see cref="ConformanceCatalog"/> over a real loopback socket, once against our server and once against our client,
/// each run its own test. The summary test runs last and holds the per-section tally to expected-results.json.
/// </summary>
/// <remarks>
/// In the interop collection, which runs alone: these tests open hundreds of sockets and move large messages, and must not
/// run beside the allocation tests.
/// </remarks>
[Collection(InteropCollection.Name)]
[TestCaseOrderer(ConformanceCaseOrderer.TypeName, ConformanceCaseOrderer.AssemblyName)]
public sealed class ConformanceTests
{
    private readonly ITestOutputHelper _output;

    public ConformanceTests(ITestOutputHelper output) => _output = output;

    public static TheoryData<string, RoleUnderTest> Cases
    {
        get
        {
            var data = new TheoryData<string, RoleUnderTest>();
            foreach (ConformanceCase testCase in ConformanceCatalog.All)
            {
                data.Add(testCase.Id, RoleUnderTest.Server);
                data.Add(testCase.Id, RoleUnderTest.Client);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Case_behaves_as_the_catalogue_expects(string caseId, RoleUnderTest role)
    {
        ConformanceCase testCase = ConformanceCatalog.Get(caseId);
        CaseResult result;
        try
        {
            result = await CaseRunner.RunAsync(testCase, role);
        }
        catch (Exception exception)
        {
            ConformanceSummary.Record(caseId, role, passed: false);
            throw new InvalidOperationException($"Case {caseId} ({role} under test) could not run: {testCase.Description}", exception);
        }

        ConformanceSummary.Record(caseId, role, result.Passed);
        _output.WriteLine(result.Report);
        Assert.True(result.Passed, result.Report);
    }

    [Fact]
    public void Summary_per_section_and_role_matches_expected_results_json()
    {
        var actual = ConformanceSummary.Compute();
        bool complete = ConformanceSummary.IsComplete;
        _output.WriteLine(complete
            ? "Every case ran in both roles; the summary of this run:"
            : "Only part of the table ran in this process (a filtered run): only the case counts are compared. Passed counts so far:");
        _output.WriteLine(ConformanceSummary.ToJson(actual));

        string path = ConformanceSummary.FindExpectedResultsFile();
        Assert.True(File.Exists(path), $"{ConformanceSummary.FileName} is missing; it should read:\n{ConformanceSummary.ToJson(actual)}");
        var expected = ConformanceSummary.Parse(File.ReadAllText(path));
        List<string> differences = ConformanceSummary.Differences(expected, actual, totalsOnly: !complete);
        Assert.True(
            differences.Count == 0,
            $"The conformance summary differs from {ConformanceSummary.FileName}:\n  {string.Join("\n  ", differences)}\n"
            + $"A lower pass count is a regression; a higher one (a fix) or a changed table means the file must be updated to:\n{ConformanceSummary.ToJson(actual)}");
    }
}

/// <summary>Runs the cases in catalogue order, server then client, and the summary after all of them.</summary>
public sealed class ConformanceCaseOrderer : ITestCaseOrderer
{
    public const string TypeName = "WebSocketProtocol.Tests.Conformance.ConformanceCaseOrderer";
    public const string AssemblyName = "WebSocketProtocol.Tests";

    public IEnumerable<TTestCase> OrderTestCases<TTestCase>(IEnumerable<TTestCase> testCases)
        where TTestCase : ITestCase =>
        testCases
            .OrderBy(testCase => testCase.TestMethod.Method.Name.StartsWith("Summary", StringComparison.Ordinal) ? 1 : 0)
            .ThenBy(testCase => testCase.TestMethodArguments is [string id, ..] ? ConformanceCatalog.IndexOf(id) : int.MaxValue)
            .ThenBy(testCase => testCase.TestMethodArguments is [_, RoleUnderTest role] ? (int)role : 0)
            .ThenBy(testCase => testCase.DisplayName, StringComparer.Ordinal);
}
