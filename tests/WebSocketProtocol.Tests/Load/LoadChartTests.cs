using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using System.Xml.Linq;
using WebSocketProtocol.Tests.Support;
using Xunit;

namespace WebSocketProtocol.Tests.Load;

/// <summary>
/// The load comparison's chart (benchmarks/chart/render-load-chart.js), rendered from the committed sample medians with
/// Node and the system's Chromium (which eng/test.sh installs): a PNG of the SVG's size, and an SVG with one bar per
/// result row and each bar's ratio to the Kestrel reference.
/// </summary>
public sealed class LoadChartTests
{
    private const string Renderer = "benchmarks/chart/render-load-chart.js";
    private const string SampleResults = "benchmarks/chart/sample-results.tsv";

    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    [Fact]
    public async Task Rendering_the_sample_results_writes_a_png_of_the_svg_size_with_one_bar_per_row_and_ratios_to_kestrel()
    {
        DirectoryInfo folder = Directory.CreateTempSubdirectory("load-chart-test-");
        try
        {
            string png = Path.Combine(folder.FullName, "load.png");
            string svg = Path.Combine(folder.FullName, "load.svg");

            await using (ChildProcess renderer = ChildProcess.StartRepositoryScript(Renderer, Path.Combine(ChildProcess.RepositoryRoot, SampleResults), png))
            {
                int exitCode = await renderer.WaitForExitAsync(TimeSpan.FromSeconds(90));
                Assert.True(exitCode == 0, $"exit code {exitCode}. {renderer.Describe()}");
            }

            XElement root = XDocument.Load(svg).Root!;
            int width = int.Parse(root.Attribute("width")!.Value, CultureInfo.InvariantCulture);
            int height = int.Parse(root.Attribute("height")!.Value, CultureInfo.InvariantCulture);
            Assert.Equal(1200, width);

            // PNG: the signature, then the IHDR chunk (length, type, width, height as big-endian 32-bit integers).
            byte[] image = await File.ReadAllBytesAsync(png);
            Assert.True(image.Length > 1000, $"{image.Length} bytes");
            Assert.Equal(PngSignature, image[..8]);
            Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(image, 12, 4));
            Assert.Equal(width, BinaryPrimitives.ReadInt32BigEndian(image.AsSpan(16)));
            Assert.Equal(height, BinaryPrimitives.ReadInt32BigEndian(image.AsSpan(20)));

            List<(string Scenario, string Server, double Rate)> rows = ReadRows(Path.Combine(ChildProcess.RepositoryRoot, SampleResults));
            Assert.Equal(12, rows.Count);

            List<XElement> elements = root.Descendants().ToList();
            var bars = elements.Where(e => (string?)e.Attribute("class") == "bar")
                .Select(e => ((string)e.Attribute("data-scenario")!, (string)e.Attribute("data-server")!))
                .ToList();
            Assert.Equal(rows.Select(r => (r.Scenario, r.Server)).OrderBy(r => r), bars.OrderBy(b => b));

            foreach (IGrouping<string, (string Scenario, string Server, double Rate)> scenario in rows.GroupBy(r => r.Scenario))
            {
                double kestrel = scenario.Single(r => r.Server == "kestrel").Rate;
                IEnumerable<string> expected = scenario.Select(r => (r.Rate / kestrel).ToString("0.00", CultureInfo.InvariantCulture) + "x");
                XElement panel = elements.Single(e => (string?)e.Attribute("class") == "panel" && (string?)e.Attribute("data-scenario") == scenario.Key);
                IEnumerable<string> labels = panel.Descendants().Where(e => (string?)e.Attribute("class") == "ratio").Select(e => e.Value);
                Assert.Equal(expected.Order(), labels.Order());
            }

            // The ratios benchmarks/README.md quotes for the library.
            string text = await File.ReadAllTextAsync(svg);
            Assert.Contains(">1.08x<", text, StringComparison.Ordinal);
            Assert.Contains(">1.43x<", text, StringComparison.Ordinal);
            Assert.Contains(">1.14x<", text, StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task With_every_server_of_the_comparison_in_a_panel_no_two_server_names_under_the_bars_run_into_each_other()
    {
        DirectoryInfo folder = Directory.CreateTempSubdirectory("load-chart-test-");
        try
        {
            string[] servers = ["sample", "kestrel", "kestrel-large", "raw", "sockets", "node", "bun"];
            string results = Path.Combine(folder.FullName, "results.tsv");
            await File.WriteAllLinesAsync(results, [
                "scenario\tserver\tmsgs_per_s\tmib_per_s\tp50_us\tp99_us\tserver_cpu_us_per_msg",
                .. servers.Select((server, i) => $"16 B binary 64x16\t{server}\t{100_000 * (i + 1)}\t1\t1\t1\t1"),
            ]);
            string png = Path.Combine(folder.FullName, "load.png");
            await using (ChildProcess renderer = ChildProcess.StartRepositoryScript(Renderer, results, png))
            {
                int exitCode = await renderer.WaitForExitAsync(TimeSpan.FromSeconds(90));
                Assert.True(exitCode == 0, $"exit code {exitCode}. {renderer.Describe()}");
            }

            // Text is centred on its x; DejaVu Sans averages about 0.6 em a character.
            var names = XDocument.Load(Path.ChangeExtension(png, ".svg")).Root!.Descendants()
                .Where(e => (string?)e.Attribute("class") == "name")
                .Select(e => (
                    X: double.Parse((string)e.Attribute("x")!, CultureInfo.InvariantCulture),
                    Y: (string)e.Attribute("y")!,
                    Width: e.Value.Length * double.Parse((string)e.Attribute("font-size")!, CultureInfo.InvariantCulture) * 0.6))
                .ToList();
            Assert.True(names.Count >= servers.Length, $"{names.Count} name lines");
            foreach (var line in names.GroupBy(n => n.Y))
            {
                var ordered = line.OrderBy(n => n.X).ToList();
                for (int i = 1; i < ordered.Count; i++)
                {
                    double gap = (ordered[i].X - (ordered[i].Width / 2)) - (ordered[i - 1].X + (ordered[i - 1].Width / 2));
                    Assert.True(gap >= 2, $"names at x={ordered[i - 1].X} and x={ordered[i].X} (y={line.Key}) overlap by {-gap:0.0} px");
                }
            }
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>The result rows of a results file: its lines after the header, comments left out.</summary>
    private static List<(string Scenario, string Server, double Rate)> ReadRows(string path) =>
        File.ReadLines(path)
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .Skip(1)
            .Select(line => line.Split('\t'))
            .Select(fields => (fields[0], fields[1], double.Parse(fields[2], CultureInfo.InvariantCulture)))
            .ToList();
}
