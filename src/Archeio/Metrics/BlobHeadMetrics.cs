using System.Diagnostics.Metrics;
using Archeio.Blobs;
using Archeio.Configuration;

namespace Archeio.Metrics;

/// <summary>
/// <c>archeio_blob_check_heads_total{mirror,outcome}</c> and <c>archeio_blob_check_head_bytes_total{mirror}</c>, fed
/// by <see cref="BlobChecker"/> for every HEAD it sends. The bytes are the Content-Length of present answers: each
/// one is a blob that a mirror, not the upstream, will serve (at least once), so the dashboard can estimate the
/// bytes offloaded.
/// </summary>
internal sealed class BlobHeadMetrics : IBlobCheckObserver
{
    public const string HeadsName = "archeio_blob_check_heads_total";
    public const string BytesName = "archeio_blob_check_head_bytes_total";

    private const int Present = 0;
    private const int Absent = 1;
    private const int Error = 2;
    private const int Timeout = 3;
    private static readonly string[] OutcomeLabels = ["present", "absent", "error", "timeout"];

    private readonly Counter<long> _heads;
    private readonly Counter<long> _bytes;

    // By mirror index, then outcome: built once, so counting allocates nothing.
    private readonly KeyValuePair<string, object?>[][][] _headTags;
    private readonly KeyValuePair<string, object?>[][] _mirrorTags;

    public BlobHeadMetrics(ArcheioMeter meter, ArcheioSettings settings)
    {
        ArgumentNullException.ThrowIfNull(meter);
        ArgumentNullException.ThrowIfNull(settings);
        _heads = meter.Meter.CreateCounter<long>(HeadsName, description: "HEADs sent to mirrors, by outcome (present, absent, error, timeout).");
        _bytes = meter.Meter.CreateCounter<long>(BytesName, unit: "By", description: "Content-Length of the HEAD answers that found a blob present.");
        _headTags = [.. settings.Candidates.Select(m => OutcomeLabels.Select(o => new KeyValuePair<string, object?>[] { new("mirror", m.Name), new("outcome", o) }).ToArray())];
        _mirrorTags = [.. settings.Candidates.Select(m => new KeyValuePair<string, object?>[] { new("mirror", m.Name) })];
    }

    public void OnHead(Candidate mirror, HeadOutcome outcome, bool timedOut, long? contentLength)
    {
        ArgumentNullException.ThrowIfNull(mirror);
        if ((uint)mirror.Index >= (uint)_headTags.Length)
        {
            return;
        }

        var index = outcome switch
        {
            HeadOutcome.Present => Present,
            HeadOutcome.Absent => Absent,
            _ => timedOut ? Timeout : Error,
        };
        _heads.Add(1, _headTags[mirror.Index][index]);
        if (outcome == HeadOutcome.Present && contentLength is > 0 and var length)
        {
            _bytes.Add(length, _mirrorTags[mirror.Index]);
        }
    }
}
