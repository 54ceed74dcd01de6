using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Xunit;
using Xunit.Abstractions;

namespace WebSocketProtocol.Tests.Samples.RedisDelivery;

/// <summary>
/// What a room's members received against what was sent: acknowledged messages missing from a member (lost) or received
/// twice (doubled), failed ones received anyway, members whose order differs, and members cut off.
/// </summary>
internal sealed record DeliveryReport(
    int Sent,
    int Acknowledged,
    int Failed,
    int Unsettled,
    int ToldPending,
    int UnmatchedErrors,
    IReadOnlyDictionary<string, int> DeliveredPerMember,
    int Lost,
    int Doubled,
    int FailedButDelivered,
    int MembersOutOfOrder,
    IReadOnlyList<string> Closed,
    bool LastLinesArrived)
{
    public static DeliveryReport Count(IReadOnlyList<ChatParticipant> senders, IReadOnlyList<ChatParticipant> members, bool settled, bool lastArrived)
    {
        _ = settled;
        var acknowledged = new HashSet<string>();
        var failed = new HashSet<string>();
        int sent = 0, unsettled = 0, pending = 0, unmatched = 0;
        foreach (ChatParticipant sender in senders)
        {
            IReadOnlyDictionary<string, string> texts = sender.Sent;
            IReadOnlyCollection<string> acked = sender.Acknowledged;
            IReadOnlyCollection<string> refused = sender.Failed;
            sent += texts.Count;
            pending += sender.ToldPending.Count;
            unmatched += sender.UnmatchedErrors.Count;
            foreach (string id in texts.Keys)
            {
                string line = sender.LineOf(id);
                if (acked.Contains(id))
                {
                    acknowledged.Add(line);
                }
                else if (refused.Contains(id))
                {
                    failed.Add(line);
                }
                else
                {
                    unsettled++;
                }
            }

            // An id both acknowledged and failed is counted as failed-but-delivered below as well.
            foreach (string id in refused.Where(acked.Contains))
            {
                failed.Add(sender.LineOf(id));
            }
        }

        var delivered = new Dictionary<string, int>();
        int lost = 0, doubled = 0, failedDelivered = 0;
        List<string>? reference = null;
        int outOfOrder = 0;
        var closed = new List<string>();
        foreach (ChatParticipant member in members)
        {
            IReadOnlyList<string> received = member.Received;
            delivered[member.Name] = received.Count;
            var counts = received.GroupBy(line => line).ToDictionary(group => group.Key, group => group.Count());
            lost += acknowledged.Count(line => !counts.ContainsKey(line));
            doubled += counts.Values.Count(count => count > 1);
            failedDelivered += failed.Count(counts.ContainsKey);
            if (member.Closed is not null)
            {
                closed.Add(member.Name + " " + member.Closed);
            }

            // One order for everyone: each member's lines, in the order received, as the first member's.
            List<string> order = received.Distinct().ToList();
            if (reference is null)
            {
                reference = order;
            }
            else if (!order.SequenceEqual(reference))
            {
                outOfOrder++;
            }
        }

        return new DeliveryReport(sent, acknowledged.Count, failed.Count, unsettled, pending, unmatched, delivered, lost, doubled, failedDelivered, outOfOrder, closed, lastArrived);
    }

    public void WriteTo(ITestOutputHelper output)
    {
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"sent {Sent}, acknowledged {Acknowledged}, failed {Failed}, unsettled {Unsettled}, told pending {ToldPending}, errors naming no message {UnmatchedErrors}"));
        output.WriteLine("delivered per member: " + string.Join(", ", DeliveredPerMember.Select(pair => pair.Key + " " + pair.Value.ToString(CultureInfo.InvariantCulture))));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"lost {Lost}, doubled {Doubled}, failed but delivered {FailedButDelivered}, members out of order {MembersOutOfOrder}, last lines arrived {LastLinesArrived}"));
        foreach (string line in Closed)
        {
            output.WriteLine("cut off: " + line);
        }
    }

    /// <summary>The issue's bar: every message settled, nothing acknowledged lost or doubled, nothing failed delivered, one order, nobody cut off.</summary>
    public void AssertExactlyOnceInOneOrder()
    {
        Assert.True(
            Unsettled == 0 && UnmatchedErrors == 0 && Lost == 0 && Doubled == 0 && FailedButDelivered == 0 && MembersOutOfOrder == 0 && Closed.Count == 0 && LastLinesArrived && Acknowledged > 0,
            $"unsettled {Unsettled}, errors naming no message {UnmatchedErrors}, lost {Lost}, doubled {Doubled}, failed but delivered {FailedButDelivered}, " +
            $"out of order {MembersOutOfOrder}, cut off [{string.Join("; ", Closed)}], last lines arrived {LastLinesArrived}, acknowledged {Acknowledged} of {Sent}");
    }
}
