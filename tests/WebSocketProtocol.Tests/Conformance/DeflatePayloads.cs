using System;
using System.Text;

namespace WebSocketProtocol.Tests.Conformance;

/// <summary>
/// Stand-ins for the five kinds of data Autobahn's section 12 compresses (its files are not ours to copy): JSON records,
/// a black-and-white bitmap, German prose, an HTML page and a PDF-like mix of markup and incompressible streams. Each is a
/// fixed, seeded corpus; a message is a slice of it, so consecutive messages differ but share vocabulary.
/// </summary>
internal static class DeflatePayloads
{
    public enum Kind
    {
        Json,
        Bitmap,
        Prose,
        Html,
        Pdf,
    }

    private const int CorpusLength = 512 * 1024;

    private static readonly Lazy<byte[]>[] Corpora =
    {
        new(() => BuildText(BuildJson)),
        new(BuildBitmap),
        new(() => BuildText(BuildProse)),
        new(() => BuildText(BuildHtml)),
        new(BuildPdf),
    };

    public static bool IsText(Kind kind) => kind is Kind.Json or Kind.Prose or Kind.Html;

    public static string Describe(Kind kind) => kind switch
    {
        Kind.Json => "JSON records (text)",
        Kind.Bitmap => "a black-and-white bitmap (binary)",
        Kind.Prose => "German prose (text)",
        Kind.Html => "an HTML page (text)",
        _ => "a PDF-like mix of markup and compressed streams (binary)",
    };

    /// <summary>Message <paramref name="index"/> of <paramref name="size"/> bytes; text slices start and end on whole characters.</summary>
    public static byte[] Message(Kind kind, int size, int index)
    {
        byte[] corpus = Corpora[(int)kind].Value;
        int start = (int)((index * 7919L * 13) % (corpus.Length - size - 8));
        int end = start + size;
        if (IsText(kind))
        {
            while ((corpus[start] & 0xC0) == 0x80)
            {
                start++;
                end++;
            }

            while (end > start && (corpus[end] & 0xC0) == 0x80)
            {
                end--;
            }
        }

        return corpus.AsSpan(start, end - start).ToArray();
    }

    private static byte[] BuildText(Action<StringBuilder, Random> append)
    {
        var text = new StringBuilder(CorpusLength + 1024);
        var random = new Random(7692);
        while (text.Length < CorpusLength)
        {
            append(text, random);
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static readonly string[] Names = { "Anna", "Jörg", "Lukas", "Zoë", "Mateo", "Priya", "Søren", "Yuki", "Amélie", "Omar" };
    private static readonly string[] Words =
    {
        "Habe", "nun", "ach", "Philosophie", "Juristerei", "und", "Medizin", "leider", "auch", "Theologie", "durchaus", "studiert",
        "mit", "heißem", "Bemühn", "da", "steh", "ich", "armer", "Tor", "bin", "so", "klug", "als", "wie", "zuvor", "Geist", "Nacht",
        "Erkenntnis", "Welt", "Himmel", "Erde", "über", "Straße", "Größe", "Mädchen", "Frühling",
    };

    private static void BuildJson(StringBuilder text, Random random)
    {
        text.Append("{\"id\":").Append(random.Next(100_000))
            .Append(",\"user\":\"").Append(Names[random.Next(Names.Length)]).Append(random.Next(100))
            .Append("\",\"room\":\"lobby\",\"score\":").Append(random.Next(1000) / 10.0)
            .Append(",\"active\":").Append(random.Next(2) == 0 ? "true" : "false")
            .Append(",\"tags\":[\"").Append(Words[random.Next(Words.Length)]).Append("\",\"").Append(Words[random.Next(Words.Length)])
            .Append("\"],\"text\":\"").Append(Words[random.Next(Words.Length)]).Append(' ').Append(Words[random.Next(Words.Length)]).Append("\"},\n");
    }

    private static void BuildProse(StringBuilder text, Random random)
    {
        int length = 4 + random.Next(12);
        for (int i = 0; i < length; i++)
        {
            text.Append(Words[random.Next(Words.Length)]).Append(i == length - 1 ? ". " : " ");
        }

        if (random.Next(5) == 0)
        {
            text.Append('\n');
        }
    }

    private static void BuildHtml(StringBuilder text, Random random)
    {
        text.Append("<div class=\"message\" data-id=\"").Append(random.Next(100_000)).Append("\"><span class=\"author\">")
            .Append(Names[random.Next(Names.Length)]).Append("</span> <time datetime=\"2026-11-").Append(10 + random.Next(20))
            .Append("\">").Append(random.Next(24)).Append(':').Append(random.Next(60).ToString("00", System.Globalization.CultureInfo.InvariantCulture))
            .Append("</time><p>").Append(Words[random.Next(Words.Length)]).Append(' ').Append(Words[random.Next(Words.Length)]).Append("</p></div>\n");
    }

    private static byte[] BuildBitmap()
    {
        // 1 bit per pixel, rows of 64 bytes: circles and stripes, long runs of 0x00 and 0xFF with detail at the edges.
        var bitmap = new byte[CorpusLength];
        for (int i = 0; i < bitmap.Length; i++)
        {
            int row = i / 64;
            int column = (i % 64) * 8;
            int dx = column - 256;
            int dy = (row % 512) - 256;
            int radius = (int)Math.Sqrt((dx * dx) + (dy * dy));
            bitmap[i] = (radius / 24) % 2 == 0 ? (byte)0x00 : (byte)0xFF;
            if (radius % 24 == 0)
            {
                bitmap[i] = (byte)(0x0F << (row % 4));
            }
        }

        return bitmap;
    }

    private static byte[] BuildPdf()
    {
        var random = new Random(6455);
        var pdf = new byte[CorpusLength];
        int position = 0;
        int objectNumber = 1;
        while (position < pdf.Length)
        {
            byte[] header = Encoding.ASCII.GetBytes($"{objectNumber++} 0 obj\n<< /Length {1000 + random.Next(3000)} /Filter /FlateDecode >>\nstream\n");
            int stream = Math.Min(500 + random.Next(3000), pdf.Length - position);
            header.AsSpan(0, Math.Min(header.Length, pdf.Length - position)).CopyTo(pdf.AsSpan(position));
            position += Math.Min(header.Length, pdf.Length - position);
            stream = Math.Min(stream, pdf.Length - position);
            random.NextBytes(pdf.AsSpan(position, stream));
            position += stream;
        }

        return pdf;
    }
}
