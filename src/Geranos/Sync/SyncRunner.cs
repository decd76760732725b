using Geranos.Destination;
using Geranos.Source;

namespace Geranos.Sync;

/// <summary>
/// One <c>geranos sync</c> run: lists the destinations once (blobs with sizes, recorded manifests), lists the
/// tags of every repository, and for each tag either skips it (its manifest is recorded in every destination)
/// or walks its manifests, copies every blob some destination lacks, and records the manifest
/// (its object <c>containers/manifests/&lt;digest&gt;</c>, then its marker <c>geranos/manifests/&lt;digest&gt;</c>) in
/// each destination that now holds all its blobs. Then it writes each destination's inventories
/// (<c>geranos/inventory.txt</c>, <c>geranos/manifest-inventory.txt</c>).
/// <para>
/// Work is shared: a blob needed by many manifests is copied once, read from the source once for all
/// destinations (<see cref="VerifiedBlobCopier"/>), and a digest reached by many tags is walked once. Manifests
/// and blobs each run <see cref="SyncPlan.Parallel"/> at a time. A failure is recorded and the run goes on; a
/// manifest with a failed blob is not recorded, so the next run tries it again.
/// </para>
/// <para>
/// The steps are here, in order; each is its own class: <see cref="StaleUploadCleaner"/>, <see cref="TagLister"/>,
/// <see cref="ManifestSync"/> (with <see cref="BlobSync"/>), <see cref="DestinationRecorder"/>.
/// </para>
/// </summary>
internal sealed class SyncRunner
{
    private readonly RegistryClient _source;
    private readonly IReadOnlyList<S3Mirror> _mirrors;
    private readonly ISyncReporter _reporter;
    private readonly TimeProvider _time;
    private readonly SyncFailures _failures;
    private readonly StaleUploadCleaner _staleUploads;
    private readonly TagLister _tags;
    private readonly DestinationRecorder _recorder;
    private readonly ManifestSync _manifests;

    public SyncRunner(RegistryClient source, IReadOnlyList<S3Mirror> mirrors, VerifiedBlobCopier copier, ISyncReporter reporter, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(mirrors);
        ArgumentNullException.ThrowIfNull(copier);
        ArgumentNullException.ThrowIfNull(reporter);
        if (mirrors.Count == 0)
        {
            throw new ArgumentException("at least one destination", nameof(mirrors));
        }

        _source = source;
        _mirrors = mirrors;
        _reporter = reporter;
        _time = time ?? TimeProvider.System;
        _failures = new SyncFailures(reporter);
        _staleUploads = new StaleUploadCleaner(reporter, _time);
        _tags = new TagLister(source, reporter, Counters, _failures);
        _recorder = new DestinationRecorder(reporter, _failures, Counters);
        var blobs = new BlobSync(source, copier, reporter, _time, Counters, _failures);
        _manifests = new ManifestSync(source, blobs, _recorder, reporter, Counters, _failures);
    }

    /// <summary>The live counters, for a progress display.</summary>
    public SyncCounters Counters { get; } = new();

    /// <summary>Runs the plan. Throws <see cref="SyncUsageException"/> when there is nothing it could start on.</summary>
    public async Task<SyncSummary> RunAsync(SyncPlan plan, Uri sourceUrl, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(sourceUrl);
        var started = _time.GetTimestamp();
        var options = new ParallelOptions { MaxDegreeOfParallelism = plan.Parallel, CancellationToken = cancellationToken };
        using var blobGate = new SemaphoreSlim(plan.Parallel, plan.Parallel);

        var states = await Task.WhenAll(_mirrors.Select(m => DestinationInventory.LoadAsync(m, cancellationToken))).ConfigureAwait(false);
        foreach (var state in states)
        {
            _reporter.Info($"{state.Mirror.Url}: {state.Blobs.Count} blobs, {state.Manifests.Count} manifests, {state.Markers.Count} manifests recorded");
        }

        var aborted = plan.DryRun ? 0 : await _staleUploads.AbortAsync(states, plan.StaleUploadAge, cancellationToken).ConfigureAwait(false);

        var repositories = await _tags.RepositoriesAsync(plan, cancellationToken).ConfigureAwait(false);
        var work = await _tags.TagsAsync(plan, repositories, options).ConfigureAwait(false);

        var context = new SyncRunContext(plan, states, blobGate);
        await Parallel.ForEachAsync(work, options, (item, token) => new ValueTask(_manifests.MirrorTagAsync(context, item.Repository, item.Tag, token))).ConfigureAwait(false);

        if (!plan.DryRun)
        {
            await _recorder.WriteInventoriesAsync(states, cancellationToken).ConfigureAwait(false);
        }

        Counters.RepositoriesListed(repositories.Count);
        Counters.TagsTaken(work.Count);
        Counters.StaleUploadsAborted(aborted);
        return new SyncSummary(
            plan.DryRun,
            sourceUrl.ToString(),
            [.. _mirrors.Select(m => m.Url.ToString())],
            Counters.Totals(_source.RequestCount),
            Math.Round(_time.GetElapsedTime(started).TotalSeconds, 3),
            _failures.BySubject());
    }
}
