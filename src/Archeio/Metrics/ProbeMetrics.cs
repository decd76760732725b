using System.Diagnostics.Metrics;
using Archeio.Blobs;
using Archeio.Blobs.Probes;
using Archeio.Configuration;

namespace Archeio.Metrics;

/// <summary>
/// <c>archeio_probe_checks_total{mirror,check,outcome}</c>, fed by <see cref="ProbeService"/> for every check of every
/// probe, and <c>archeio_mirror_out_of_rotation_seconds{mirror}</c>, read at scrape time from the breakers: how long
/// a failed probe has kept each probed mirror out of rotation (0 while it is in). The reason itself (free text) is in
/// the log and <c>/readyz</c>; the failed <c>check</c> label says which kind it was.
/// </summary>
internal sealed class ProbeMetrics : IProbeObserver
{
    public const string ChecksName = "archeio_probe_checks_total";
    public const string OutOfRotationName = "archeio_mirror_out_of_rotation_seconds";

    private static readonly ProbeCheck[] AllChecks = Enum.GetValues<ProbeCheck>();

    private readonly Counter<long> _checks;

    // By mirror index, then check, then pass/fail, the label set: built once, so counting allocates nothing.
    private readonly KeyValuePair<string, object?>[][][][] _tags;

    public ProbeMetrics(ArcheioMeter meter, ArcheioSettings settings, BlobChecker checker, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(meter);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(checker);
        ArgumentNullException.ThrowIfNull(time);
        _checks = meter.Meter.CreateCounter<long>(ChecksName, description: "Checks of mirror probes, by mirror, check (head, range, content) and outcome (pass, fail).");
        _tags = [.. settings.Mirrors.Select(m => AllChecks.Select(c => new KeyValuePair<string, object?>[][] { Tags(m, c, "pass"), Tags(m, c, "fail") }).ToArray())];
        var probed = settings.Mirrors.Where(m => m.Probe is not null).ToArray();
        var mirrorTags = probed.Select(m => new KeyValuePair<string, object?>[] { new("mirror", m.Name) }).ToArray();
        meter.Meter.CreateObservableGauge(
            OutOfRotationName,
            () => probed.Select((m, i) => new Measurement<double>(
                checker.OutOfRotation(m) is { } hold ? Math.Max(0, (time.GetUtcNow() - hold.Since).TotalSeconds) : 0, mirrorTags[i])),
            unit: "s",
            description: "How long a failed probe has kept each probed mirror out of rotation; 0 while it is in.");
    }

    public void OnProbe(ProbeReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if ((uint)report.Mirror.Index >= (uint)_tags.Length)
        {
            return;
        }

        foreach (var check in report.Checks)
        {
            _checks.Add(1, _tags[report.Mirror.Index][(int)check.Check][check.Passed ? 0 : 1]);
        }
    }

    private static KeyValuePair<string, object?>[] Tags(MirrorSettings mirror, ProbeCheck check, string outcome)
        => [new("mirror", mirror.Name), new("check", check.Label()), new("outcome", outcome)];
}
