using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace WebSocketProtocol.Tests.Conformance;

/// <summary>The verdict on one case in one role, and a report that says why.</summary>
internal sealed record CaseResult(bool Passed, string Report);

/// <summary>
/// Runs a case the way Autobahn's fuzzing peer does: start the implementation, play the script, close (or wait for the
/// implementation to fail the connection), then judge what came back: the events, the close code, and how it all ended.
/// </summary>
internal static class CaseRunner
{
    /// <summary>The bound on a whole case, harness start to dispose; the largest (16 MiB echoes) take well under a second.</summary>
    private static readonly TimeSpan CaseTimeout = TimeSpan.FromSeconds(120);

    /// <summary>How long the peer waits for the expected events before it closes anyway.</summary>
    private static readonly TimeSpan EventsTimeout = TimeSpan.FromSeconds(60);

    /// <summary>How long the implementation has to answer a close or to fail the connection once the script is done.</summary>
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How long the implementation has to end TCP once the close frames crossed (its own CloseTimeout is 10 s).</summary>
    private static readonly TimeSpan EndTimeout = TimeSpan.FromSeconds(12);

    private static readonly TimeSpan OutcomeTimeout = TimeSpan.FromSeconds(15);

    public static async Task<CaseResult> RunAsync(ConformanceCase testCase, RoleUnderTest role)
    {
        CaseScript script = testCase.BuildScript();
        using var deadline = new CancellationTokenSource(CaseTimeout);
        IImplementationHarness harness = role == RoleUnderTest.Server
            ? await ServerUnderTest.StartAsync(script, deadline.Token).ConfigureAwait(false)
            : await ClientUnderTest.StartAsync(script, deadline.Token).ConfigureAwait(false);
        await using (harness.ConfigureAwait(false))
        {
            PeerConnection peer = harness.Peer;
            peer.StartReading();
            foreach (PeerStep step in script.Steps)
            {
                await step.RunAsync(peer, deadline.Token).ConfigureAwait(false);
            }

            CloseRule close = script.Close;
            if (close.PeerClosesAtEnd)
            {
                await peer.WaitForEventsAsync(script.AcceptableEvents[0].Count, EventsTimeout, deadline.Token).ConfigureAwait(false);
                await peer.SendNormalCloseAsync(deadline.Token).ConfigureAwait(false);
            }

            bool closedInTime = await peer.WaitForCloseOrEndAsync(CloseTimeout, deadline.Token).ConfigureAwait(false);
            bool endedInTime = closedInTime && await peer.WaitForEndAsync(EndTimeout).ConfigureAwait(false);
            if (!endedInTime)
            {
                // Autobahn's "kill after": the peer cuts the connection itself, which the verdict counts against the implementation.
                await peer.DisposeAsync().ConfigureAwait(false);
            }

            ImplementationOutcome? outcome = null;
            try
            {
                outcome = await harness.Outcome.WaitAsync(OutcomeTimeout).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }

            return Judge(testCase, role, script, peer, closedInTime, endedInTime, outcome);
        }
    }

    private static CaseResult Judge(ConformanceCase testCase, RoleUnderTest role, CaseScript script, PeerConnection peer, bool closedInTime, bool endedInTime, ImplementationOutcome? outcome)
    {
        var problems = new List<string>(peer.Violations);
        IReadOnlyList<PeerEvent> observed = peer.Events;
        if (!script.AcceptableEvents.Any(expected => SequenceMatches(expected, observed)))
        {
            problems.Add("Events differ from what is expected: " + DescribeMismatch(script.AcceptableEvents[0], observed));
        }

        // With compression agreed, the implementation compresses what is not tiny (its threshold is 32 bytes), unless,
        // compressing each message on its own, that would not make the message smaller.
        int compressible = script.DeflateOffers is null ? 0 : script.AcceptableEvents[0].Count(e => e.Kind is EventKind.Text or EventKind.Binary && e.Payload.Length >= 32);
        if (peer.CompressedMessages + peer.UncompressedAsItWouldGrow < compressible)
        {
            problems.Add($"Only {peer.CompressedMessages} of the {compressible} messages of 32 bytes or more came back compressed ({peer.UncompressedAsItWouldGrow} more rightly not, as they would have grown).");
        }

        CloseRule rule = script.Close;
        byte[]? body = peer.CloseBody;
        if (body is null)
        {
            if (!rule.DropOk)
            {
                problems.Add(closedInTime
                    ? $"The connection ended without a close frame from the implementation ({peer.End}: {peer.EndDetail})."
                    : $"No close frame from the implementation within {CloseTimeout.TotalSeconds:0} s.");
            }
        }
        else if (body.Length == 0)
        {
            if (!rule.EmptyBodyOk)
            {
                problems.Add($"The implementation's close frame has no body; expected {rule}.");
            }
        }
        else if (body.Length == 1)
        {
            problems.Add("The implementation's close frame has a 1-byte body.");
        }
        else
        {
            ushort code = BinaryPrimitives.ReadUInt16BigEndian(body);
            if (!rule.Codes.Contains(code))
            {
                problems.Add($"The implementation closed with {code}; expected {rule}.");
            }

            if (!System.Text.Unicode.Utf8.IsValid(body.AsSpan(2)))
            {
                problems.Add("The implementation's close reason is not valid UTF-8.");
            }
        }

        if (!closedInTime)
        {
            problems.Add($"The implementation neither closed nor dropped the connection within {CloseTimeout.TotalSeconds:0} s of the end of the script; the peer cut it.");
        }
        else if (!endedInTime)
        {
            problems.Add($"The implementation did not end the TCP connection within {EndTimeout.TotalSeconds:0} s of the close; the peer cut it.");
        }

        if (outcome is null)
        {
            problems.Add($"The implementation's echo loop did not end within {OutcomeTimeout.TotalSeconds:0} s.");
        }
        else if (outcome.End is ImplementationEnd.UnexpectedException or ImplementationEnd.HandshakeFailed)
        {
            problems.Add("The implementation's echo loop ended badly: " + outcome);
        }
        else if (rule.RequireClean && outcome.End != ImplementationEnd.ReceivedClose)
        {
            problems.Add("The closing handshake did not complete on the implementation's side: " + outcome);
        }

        var report = new StringBuilder();
        report.AppendLine($"Case {testCase.Id} ({role} under test): {testCase.Description}");
        report.AppendLine($"  expected events: {Describe(script.AcceptableEvents[0])}{(script.AcceptableEvents.Count > 1 ? $" (or {script.AcceptableEvents.Count - 1} alternative(s))" : string.Empty)}");
        report.AppendLine($"  observed events: {Describe(observed)}");
        report.AppendLine($"  expected close: {rule}");
        report.AppendLine($"  observed close: {(body is null ? "none" : body.Length >= 2 ? $"{BinaryPrimitives.ReadUInt16BigEndian(body)} \"{Encoding.UTF8.GetString(body, 2, body.Length - 2)}\"" : $"{body.Length}-byte body")}; connection {peer.End}{(peer.EndDetail is null ? string.Empty : $" ({peer.EndDetail})")}");
        report.AppendLine($"  implementation: {outcome?.ToString() ?? "still running"}");
        foreach (string problem in problems)
        {
            report.AppendLine("  PROBLEM: " + problem);
        }

        return new CaseResult(problems.Count == 0, report.ToString());
    }

    private static bool SequenceMatches(IReadOnlyList<PeerEvent> expected, IReadOnlyList<PeerEvent> observed) =>
        expected.Count == observed.Count && expected.Zip(observed).All(pair => pair.First.Matches(pair.Second));

    private static string DescribeMismatch(IReadOnlyList<PeerEvent> expected, IReadOnlyList<PeerEvent> observed)
    {
        for (int i = 0; i < Math.Max(expected.Count, observed.Count); i++)
        {
            PeerEvent? want = i < expected.Count ? expected[i] : null;
            PeerEvent? got = i < observed.Count ? observed[i] : null;
            if (want is null || got is null || !want.Matches(got))
            {
                return $"first difference at event {i}: expected {want?.ToString() ?? "nothing"}, observed {got?.ToString() ?? "nothing"} ({expected.Count} expected, {observed.Count} observed).";
            }
        }

        return "no difference found.";
    }

    private static string Describe(IReadOnlyList<PeerEvent> events) =>
        events.Count == 0 ? "none"
        : events.Count <= 6 ? string.Join(", ", events)
        : $"{events.Count} events: {string.Join(", ", events.Take(3))}, ..., {events[^1]}";
}
