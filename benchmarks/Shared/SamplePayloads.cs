using System;
using System.Text;

namespace WebSocketProtocol.Benchmarks;

/// <summary>
/// Realistic text payloads shared by the benchmarks and the load tool (linked into both projects): JSON chat lines and
/// JSON documents of exact lengths, deterministic for a given count and length.
/// </summary>
internal static class SamplePayloads
{
    /// <summary>Distinct JSON chat lines of exactly <c>64</c> bytes.</summary>
    internal static byte[][] ChatLines(int count)
    {
        string[] names = { "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi" };
        string[] words = { "hello", "see you at five", "ok", "on my way", "lunch?", "nice one", "brb", "the build is green" };
        var lines = new byte[count][];
        for (int i = 0; i < count; i++)
        {
            string line = $"{{\"type\":\"message\",\"from\":\"{names[i % names.Length]}\",\"text\":\"{words[(i * 3) % words.Length]}\"}}";
            lines[i] = Encoding.UTF8.GetBytes(line.PadRight(64).Substring(0, 64));
        }

        return lines;
    }

    /// <summary>Distinct JSON documents of <paramref name="length"/> bytes: arrays of records with varying values.</summary>
    internal static byte[][] JsonDocuments(int count, int length)
    {
        var documents = new byte[count][];
        for (int d = 0; d < count; d++)
        {
            var random = new Random(d);
            var text = new StringBuilder("[");
            while (text.Length < length)
            {
                text.Append("{\"id\":").Append(random.Next(1_000_000)).Append(",\"user\":\"user").Append(random.Next(5000))
                    .Append("\",\"online\":").Append(random.Next(2) == 0 ? "true" : "false").Append(",\"score\":").Append(random.Next(100_000) / 100.0)
                    .Append(",\"room\":\"room-").Append(random.Next(40)).Append("\"},");
            }

            documents[d] = Encoding.UTF8.GetBytes(text.ToString().Substring(0, length - 1) + "]");
        }

        return documents;
    }
}
