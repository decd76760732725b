using System.Diagnostics.Metrics;
using Archeio.Configuration;
using Archeio.Upstreams;

namespace Archeio.Metrics;

/// <summary>
/// The health of each probed upstream (<see cref="ArcheioSettings.ProbedUpstreams"/>), read at scrape time from the
/// <see cref="UpstreamHealthBoard"/>, which holds the one count of each: <c>archeio_upstream_healthy{upstream}</c>
/// (1 in its lists, 0 ejected), <c>archeio_upstream_ejections_total{upstream}</c>,
/// <c>archeio_upstream_recoveries_total{upstream}</c> and <c>archeio_upstream_probes_total{upstream,outcome}</c>
/// (outcome <c>pass</c> or <c>fail</c>). The reason of a failure (free text) is in the log and <c>/readyz</c>.
/// </summary>
internal sealed class UpstreamMetrics
{
    public const string HealthyName = "archeio_upstream_healthy";
    public const string EjectionsName = "archeio_upstream_ejections_total";
    public const string RecoveriesName = "archeio_upstream_recoveries_total";
    public const string ProbesName = "archeio_upstream_probes_total";

    public UpstreamMetrics(ArcheioMeter meter, ArcheioSettings settings, UpstreamHealthBoard board)
    {
        ArgumentNullException.ThrowIfNull(meter);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(board);
        var probed = settings.ProbedUpstreams;
        var tags = probed.Select(u => new KeyValuePair<string, object?>[] { new("upstream", u.Name) }).ToArray();
        var passTags = probed.Select(u => new KeyValuePair<string, object?>[] { new("upstream", u.Name), new("outcome", "pass") }).ToArray();
        var failTags = probed.Select(u => new KeyValuePair<string, object?>[] { new("upstream", u.Name), new("outcome", "fail") }).ToArray();

        IEnumerable<Measurement<T>> Each<T>(Func<UpstreamHealthState, T> value, KeyValuePair<string, object?>[][] labels)
            where T : struct => probed.Select((u, i) => new Measurement<T>(value(board.StateOf(u)), labels[i]));

        meter.Meter.CreateObservableGauge(HealthyName, () => Each(s => s.Ejected ? 0 : 1, tags), description: "1 while the upstream is in its failover lists, 0 while its probes keep it ejected.");
        meter.Meter.CreateObservableCounter(EjectionsName, () => Each(s => s.Counts.Ejections, tags), description: "Times the upstream was ejected after UpstreamHealth:FailAfter failed probes.");
        meter.Meter.CreateObservableCounter(RecoveriesName, () => Each(s => s.Counts.Recoveries, tags), description: "Times the upstream came back after UpstreamHealth:RecoverAfter passed probes.");
        meter.Meter.CreateObservableCounter(
            ProbesName,
            () => Each(s => s.Counts.Passed, passTags).Concat(Each(s => s.Counts.Failed, failTags)),
            description: "Health probes of the upstream, by outcome (pass, fail).");
    }
}
