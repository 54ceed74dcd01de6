using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace WebSocketProtocol.Tests.Conformance;

/// <summary>Cases passed and run in one section for one role.</summary>
internal readonly record struct SectionTally(int Passed, int Total)
{
    public override string ToString() => Passed.ToString(CultureInfo.InvariantCulture) + "/" + Total.ToString(CultureInfo.InvariantCulture);

    public static SectionTally Parse(string text)
    {
        string[] parts = text.Split('/');
        if (parts.Length != 2)
        {
            throw new FormatException($"\"{text}\" is not \"passed/total\".");
        }

        return new SectionTally(int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture));
    }
}

/// <summary>
/// The per-section summary: the verdict of every case run in this process (a static collector the case tests fill), and
/// the committed expected-results.json (section -> {server: "passed/total", client: "passed/total"}) it is held to.
/// </summary>
internal static class ConformanceSummary
{
    public const string FileName = "expected-results.json";

    private static readonly ConcurrentDictionary<(string Id, RoleUnderTest Role), bool> Results = new();

    public static void Record(string id, RoleUnderTest role, bool passed) => Results[(id, role)] = passed;

    /// <summary>Whether every case of the table has run in both roles in this process.</summary>
    public static bool IsComplete => ConformanceCatalog.All.All(testCase => Results.ContainsKey((testCase.Id, RoleUnderTest.Server)) && Results.ContainsKey((testCase.Id, RoleUnderTest.Client)));

    /// <summary>Per section and role: cases passed in this process (0 for those that did not run) over cases in the table.</summary>
    public static SortedDictionary<int, Dictionary<RoleUnderTest, SectionTally>> Compute()
    {
        var summary = new SortedDictionary<int, Dictionary<RoleUnderTest, SectionTally>>();
        foreach (IGrouping<int, ConformanceCase> section in ConformanceCatalog.All.GroupBy(testCase => testCase.Section))
        {
            var roles = new Dictionary<RoleUnderTest, SectionTally>();
            foreach (RoleUnderTest role in Enum.GetValues<RoleUnderTest>())
            {
                int passed = section.Count(testCase => Results.TryGetValue((testCase.Id, role), out bool ok) && ok);
                roles[role] = new SectionTally(passed, section.Count());
            }

            summary[section.Key] = roles;
        }

        return summary;
    }

    public static string ToJson(SortedDictionary<int, Dictionary<RoleUnderTest, SectionTally>> summary)
    {
        var json = new StringBuilder();
        json.Append("{\n");
        int written = 0;
        foreach ((int section, Dictionary<RoleUnderTest, SectionTally> roles) in summary)
        {
            json.Append(CultureInfo.InvariantCulture, $"  \"{section}\": {{ \"server\": \"{roles[RoleUnderTest.Server]}\", \"client\": \"{roles[RoleUnderTest.Client]}\" }}");
            json.Append(++written < summary.Count ? ",\n" : "\n");
        }

        json.Append("}\n");
        return json.ToString();
    }

    public static SortedDictionary<int, Dictionary<RoleUnderTest, SectionTally>> Parse(string json)
    {
        var summary = new SortedDictionary<int, Dictionary<RoleUnderTest, SectionTally>>();
        using JsonDocument document = JsonDocument.Parse(json);
        foreach (JsonProperty section in document.RootElement.EnumerateObject())
        {
            summary[int.Parse(section.Name, CultureInfo.InvariantCulture)] = new Dictionary<RoleUnderTest, SectionTally>
            {
                [RoleUnderTest.Server] = SectionTally.Parse(section.Value.GetProperty("server").GetString() ?? string.Empty),
                [RoleUnderTest.Client] = SectionTally.Parse(section.Value.GetProperty("client").GetString() ?? string.Empty),
            };
        }

        return summary;
    }

    /// <summary>The committed file, found from the test binaries by walking up to the folder that holds the solution.</summary>
    public static string FindExpectedResultsFile()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "WebSocketProtocol.sln")))
            {
                return Path.Combine(directory.FullName, "tests", "WebSocketProtocol.Tests", "Conformance", FileName);
            }
        }

        throw new InvalidOperationException($"No folder above {AppContext.BaseDirectory} holds WebSocketProtocol.sln.");
    }

    /// <summary>Lines describing where <paramref name="actual"/> differs from <paramref name="expected"/>; with <paramref name="totalsOnly"/>, in totals only.</summary>
    public static List<string> Differences(
        SortedDictionary<int, Dictionary<RoleUnderTest, SectionTally>> expected,
        SortedDictionary<int, Dictionary<RoleUnderTest, SectionTally>> actual,
        bool totalsOnly)
    {
        var differences = new List<string>();
        foreach (int section in expected.Keys.Union(actual.Keys).Order())
        {
            if (!expected.TryGetValue(section, out var want))
            {
                differences.Add($"section {section} is in the table but not in {FileName}");
                continue;
            }

            if (!actual.TryGetValue(section, out var got))
            {
                differences.Add($"section {section} is in {FileName} but not in the table");
                continue;
            }

            foreach (RoleUnderTest role in Enum.GetValues<RoleUnderTest>())
            {
                SectionTally w = want[role], g = got[role];
                if (w.Total != g.Total || (!totalsOnly && w.Passed != g.Passed))
                {
                    differences.Add($"section {section} {role.ToString().ToLowerInvariant()}: {FileName} says {w}, {(totalsOnly ? "the table has " + g.Total.ToString(CultureInfo.InvariantCulture) + " cases" : "this run gives " + g)}");
                }
            }
        }

        return differences;
    }
}
