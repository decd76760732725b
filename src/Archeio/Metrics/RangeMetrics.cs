using System.Diagnostics.Metrics;
using Archeio.Ranges.Loading;

namespace Archeio.Metrics;

/// <summary>
/// The range data per cloud, read from <see cref="RangeStatus"/> at scrape time. A cloud with several sources sums
/// their prefixes and failures and reports the age of its oldest data; a cloud without data has no age series.
/// </summary>
internal sealed class RangeMetrics
{
    public const string PrefixesName = "archeio_range_prefixes";
    public const string AgeName = "archeio_range_data_age_seconds";
    public const string FailuresName = "archeio_range_refresh_failures_total";

    public RangeMetrics(ArcheioMeter meter, RangeStatus status, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(meter);
        ArgumentNullException.ThrowIfNull(status);
        ArgumentNullException.ThrowIfNull(time);
        var m = meter.Meter;
        m.CreateObservableGauge(
            PrefixesName,
            () => status.Sources.GroupBy(s => s.Cloud, StringComparer.Ordinal)
                .Select(g => new Measurement<long>(g.Sum(s => (long)s.Prefixes), CloudTag(g.Key))),
            description: "Prefixes in the range data in use, per cloud.");
        m.CreateObservableGauge(
            AgeName,
            () => status.Sources.Where(s => s.DataTime is not null).GroupBy(s => s.Cloud, StringComparer.Ordinal)
                .Select(g => new Measurement<double>((time.GetUtcNow() - g.Min(s => s.DataTime!.Value)).TotalSeconds, CloudTag(g.Key))),
            unit: "s",
            description: "Age of the range data in use (now minus its publication or fetch time), per cloud; absent without data.");
        m.CreateObservableCounter(
            FailuresName,
            () => status.Sources.GroupBy(s => s.Cloud, StringComparer.Ordinal)
                .Select(g => new Measurement<long>(g.Sum(s => s.Failures), CloudTag(g.Key))),
            description: "Range fetches or reads that failed or parsed badly since start, per cloud.");
    }

    private static KeyValuePair<string, object?>[] CloudTag(string cloud) => [new("cloud", cloud)];
}
