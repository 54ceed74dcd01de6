using System;
using System.Collections.Generic;
using System.Linq;

namespace WebSocketProtocol.Tests.Conformance;

/// <summary>The whole case table, sections 1-7, 9, 10, 12 and 13, in catalogue order.</summary>
internal static class ConformanceCatalog
{
    private static readonly Lazy<IReadOnlyList<ConformanceCase>> LazyAll = new(Build);

    private static readonly Lazy<Dictionary<string, (ConformanceCase Case, int Index)>> LazyById = new(() =>
        All.Select((testCase, index) => (testCase, index)).ToDictionary(entry => entry.testCase.Id, entry => (entry.testCase, entry.index), StringComparer.Ordinal));

    public static IReadOnlyList<ConformanceCase> All => LazyAll.Value;

    public static ConformanceCase Get(string id) =>
        LazyById.Value.TryGetValue(id, out var entry) ? entry.Case : throw new ArgumentException($"No conformance case {id}.", nameof(id));

    /// <summary>The position of a case in the table, for running cases in catalogue order.</summary>
    public static int IndexOf(string id) => LazyById.Value.TryGetValue(id, out var entry) ? entry.Index : int.MaxValue;

    private static IReadOnlyList<ConformanceCase> Build()
    {
        var all = new List<ConformanceCase>();
        all.AddRange(Section1Cases.All());
        all.AddRange(Section2Cases.All());
        all.AddRange(Section3Cases.All());
        all.AddRange(Section4Cases.All());
        all.AddRange(Section5Cases.All());
        all.AddRange(Section6Cases.All());
        all.AddRange(Section7Cases.All());
        all.AddRange(Section9Cases.All());
        all.AddRange(Section10Cases.All());
        all.AddRange(Section12Cases.All());
        all.AddRange(Section13Cases.All());
        string[] duplicates = all.GroupBy(testCase => testCase.Id).Where(group => group.Count() > 1).Select(group => group.Key).ToArray();
        if (duplicates.Length != 0)
        {
            throw new InvalidOperationException("Duplicate case ids: " + string.Join(", ", duplicates));
        }

        return all;
    }
}
