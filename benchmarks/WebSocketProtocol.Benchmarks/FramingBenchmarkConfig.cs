using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;

namespace WebSocketProtocol.Benchmarks;

/// <summary>
/// Shared summary settings for the framing benchmarks: adds the Median column (the figure the README reports, as it
/// shrugs off the outliers a shared machine produces) and the Ratio column against each group's baseline.
/// </summary>
public sealed class FramingBenchmarkConfig : ManualConfig
{
    /// <summary>Creates the configuration.</summary>
    public FramingBenchmarkConfig()
    {
        AddColumn(StatisticColumn.Median, BaselineRatioColumn.RatioMean);
    }
}
