using System.Collections.Concurrent;
using Archeio.Oci.Digests;
using Archeio.Oci.Errors;
using Geranos.Destination;
using Geranos.Source;

namespace Geranos.Sync;

/// <summary>
/// One <c>geranos sync</c> run: lists the destinations once (blobs with sizes, recorded manifests), lists the
/// tags of every repository, and for each tag either skips it (its manifest is recorded in every destination)
/// or walks its manifests, copies every blob some destination lacks, and records the manifest
/// (<c>geranos/manifests/&lt;digest&gt;</c>) in each destination that now holds all its blobs. Then it writes
/// each destination's inventory (<c>geranos/inventory.txt</c>).
/// <para>
/// Work is shared: a blob needed by many manifests is copied once, read from the source once for all
/// destinations (<see cref="VerifiedBlobCopier"/>), and a digest reached by many tags is walked once. Manifests
/// and blobs each run <see cref="SyncPlan.Parallel"/> at a time. A failure is recorded and the run goes on; a
/// manifest with a failed blob is not recorded, so the next run tries it again.
/// </para>
/// </summary>
internal sealed class SyncRunner
{
    private readonly RegistryClient _source;
    private readonly ManifestWalker _walker;
    private readonly IReadOnlyList<S3Mirror> _mirrors;
    private readonly VerifiedBlobCopier _copier;
    private readonly ISyncReporter _reporter;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, Lazy<Task<bool>>> _blobs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<bool>>> _roots = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<SyncFailure> _failures = new();
    private int _referrersUnsupported;

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
        _walker = new ManifestWalker(source);
        _mirrors = mirrors;
        _copier = copier;
        _reporter = reporter;
        _time = time ?? TimeProvider.System;
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
            _reporter.Info($"{state.Mirror.Url}: {state.Blobs.Count} blobs, {state.Markers.Count} manifests recorded");
        }

        var aborted = plan.DryRun ? 0 : await AbortStaleUploadsAsync(states, plan.StaleUploadAge, cancellationToken).ConfigureAwait(false);

        var repositories = await RepositoriesAsync(plan, cancellationToken).ConfigureAwait(false);
        var tags = new ConcurrentBag<(string Repository, string Tag)>();
        await Parallel.ForEachAsync(repositories, options, async (repository, token) =>
        {
            try
            {
                var listed = await _source.ListTagsAsync(repository, null, token).ConfigureAwait(false);
                var taken = listed.Where(plan.Tags.Matches).ToList();
                foreach (var tag in taken)
                {
                    tags.Add((repository, tag));
                }

                Counters.ManifestsFound(taken.Count);
                _reporter.Info($"{repository}: {taken.Count} of {listed.Count} tags");
            }
            catch (Exception e) when (!token.IsCancellationRequested)
            {
                Fail(repository, "listing tags: " + e.Message);
            }
        }).ConfigureAwait(false);

        var work = tags.OrderBy(t => t.Repository, StringComparer.Ordinal).ThenBy(t => t.Tag, StringComparer.Ordinal).ToList();
        var context = new RunContext(plan, states, blobGate);
        await Parallel.ForEachAsync(work, options, (item, token) => new ValueTask(MirrorTagAsync(context, item.Repository, item.Tag, token))).ConfigureAwait(false);

        if (!plan.DryRun)
        {
            await Task.WhenAll(states.Select(state => WriteInventoryAsync(state, cancellationToken))).ConfigureAwait(false);
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
            [.. _failures.OrderBy(f => f.Subject, StringComparer.Ordinal)]);
    }

    private async Task<IReadOnlyList<string>> RepositoriesAsync(SyncPlan plan, CancellationToken cancellationToken)
    {
        if (plan.Repositories.Count > 0)
        {
            return [.. plan.Repositories.Distinct(StringComparer.Ordinal)];
        }

        var catalog = await _source.ListRepositoriesAsync(null, cancellationToken).ConfigureAwait(false)
            ?? throw new SyncUsageException("the source registry offers no catalog (_catalog): name the repositories with --repository or --repositories-file");
        _reporter.Info($"catalog: {catalog.Count} repositories");
        return catalog;
    }

    private async Task<int> AbortStaleUploadsAsync(IReadOnlyList<DestinationInventory> states, TimeSpan age, CancellationToken cancellationToken)
    {
        var before = _time.GetUtcNow() - age;
        var counts = await Task.WhenAll(states.Select(s => s.Mirror.AbortStaleUploadsAsync(before, cancellationToken))).ConfigureAwait(false);
        var total = counts.Sum();
        if (total > 0)
        {
            _reporter.Info($"aborted {total} multipart uploads left by interrupted runs");
        }

        return total;
    }

    /// <summary>
    /// One tag: skipped when its digest is recorded everywhere (only its referrers are asked for), else mirrored,
    /// once per digest however many tags name it.
    /// </summary>
    private async Task MirrorTagAsync(RunContext context, string repository, string tag, CancellationToken cancellationToken)
    {
        try
        {
            var digest = await _source.ResolveAsync(repository, tag, cancellationToken).ConfigureAwait(false);
            if (digest is not null && RecordedEverywhere(context, digest))
            {
                Counters.ManifestRecorded();
                _reporter.ManifestRecorded(repository, tag, digest);
                await MirrorReferrersAsync(context, repository, digest, cancellationToken).ConfigureAwait(false);
                return;
            }

            _ = digest is null
                ? await MirrorManifestAsync(context, repository, tag, cancellationToken).ConfigureAwait(false)
                : await MirrorOnceAsync(context, repository, digest, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            Counters.ManifestFailed();
            Fail($"{repository}:{tag}", e.Message);
        }

        Counters.ManifestDone();
    }

    private Task<bool> MirrorOnceAsync(RunContext context, string repository, string digest, CancellationToken cancellationToken)
        => _roots.GetOrAdd(digest, d => new Lazy<Task<bool>>(() => MirrorManifestAsync(context, repository, d, cancellationToken))).Value;

    private static bool RecordedEverywhere(RunContext context, string digest) => context.States.All(s => s.Markers.ContainsKey(digest));

    /// <summary>
    /// Walks <paramref name="reference"/>, copies its blobs, mirrors its referrers, and records every manifest
    /// of the walk in each destination that holds all of that manifest's blobs: children before their index, so
    /// an interrupted run never records an index whose children are not, and the root only when its referrers
    /// are mirrored too, so that a failed referrer is tried again next run.
    /// </summary>
    private async Task<bool> MirrorManifestAsync(RunContext context, string repository, string reference, CancellationToken cancellationToken)
    {
        WalkResult walk;
        try
        {
            walk = await _walker.WalkAsync(repository, reference, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            Counters.ManifestFailed();
            Fail($"{repository}@{reference}", e.Message);
            return false;
        }

        var copies = await Task.WhenAll(walk.Blobs.Select(blob => CopyOnceAsync(context, repository, blob, cancellationToken))).ConfigureAwait(false);
        var referrers = true;
        foreach (var manifest in walk.Manifests)
        {
            referrers &= await MirrorReferrersAsync(context, repository, manifest.Digest, cancellationToken).ConfigureAwait(false);
        }

        if (!context.Plan.DryRun)
        {
            await RecordAsync(context, repository, walk, recordRoot: referrers, cancellationToken).ConfigureAwait(false);
        }

        var ok = referrers && copies.All(c => c);
        if (ok)
        {
            Counters.ManifestMirrored();
        }
        else
        {
            Counters.ManifestFailed();
        }
        _reporter.ManifestMirrored(repository, reference, walk.RootDigest, walk.Blobs.Count);
        return ok;
    }

    /// <summary>
    /// The referrers of <paramref name="digest"/> (signatures, SBOMs, attestations), each mirrored as a manifest of
    /// its own, when the registry offers the referrers API (OCI distribution-spec 1.1,
    /// https://github.com/opencontainers/distribution-spec/blob/main/spec.md#listing-referrers). The first answer
    /// saying it does not is remembered for the run. Tag-schema referrers (<c>sha256-….sig</c>) are tags and come
    /// with the tag list.
    /// </summary>
    private async Task<bool> MirrorReferrersAsync(RunContext context, string repository, string digest, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _referrersUnsupported) != 0)
        {
            return true;
        }

        IReadOnlyList<string>? referrers;
        try
        {
            referrers = await _source.ListReferrersAsync(repository, digest, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            Fail($"{repository}@{digest}", "listing referrers: " + e.Message);
            return false;
        }

        if (referrers is null)
        {
            Interlocked.Exchange(ref _referrersUnsupported, 1);
            return true;
        }

        var ok = true;
        foreach (var referrer in referrers.Where(r => !RecordedEverywhere(context, r)))
        {
            Counters.ManifestsFound(1);
            ok &= await MirrorOnceAsync(context, repository, referrer, cancellationToken).ConfigureAwait(false);
            Counters.ManifestDone();
        }

        return ok;
    }

    private Task<bool> CopyOnceAsync(RunContext context, string repository, BlobReference blob, CancellationToken cancellationToken)
        => _blobs.GetOrAdd(blob.Digest, _ => new Lazy<Task<bool>>(() => CopyAsync(context, repository, blob, cancellationToken))).Value;

    /// <summary>
    /// Copies one blob to every destination that lacks it, in one read of the source. A copy that fails mid-way
    /// (connection, store) is tried again from the start up to <see cref="SyncPlan.BlobAttempts"/> times; content
    /// that does not match its digest or size is refused at once (a retry would read the same bytes).
    /// </summary>
    private async Task<bool> CopyAsync(RunContext context, string repository, BlobReference blob, CancellationToken cancellationToken)
    {
        Counters.BlobFound(blob.Size);

        // A digest Geranos cannot check is refused before it goes into a source URL or a key (sha256:../../x, MD5, …).
        if (!Digest.IsVerifiable(blob.Digest))
        {
            Counters.BlobFailed();
            Fail(blob.Digest.Length > 200 ? blob.Digest[..200] + "…" : blob.Digest, $"refused (from {repository}): not a sha256 or sha512 digest in canonical form");
            return false;
        }

        var targets = context.States.Where(s => !s.Has(blob.Digest, blob.Size)).ToList();
        if (targets.Count == 0)
        {
            Counters.BlobPresent(blob.Size);
            return true;
        }

        if (context.Plan.DryRun)
        {
            Counters.BlobToCopy(blob.Size);
            Counters.BlobPlanned(blob.Size);
            return true;
        }

        await context.BlobGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var mirrors = targets.Select(t => t.Mirror).ToList();
            for (var attempt = 1; ; attempt++)
            {
                long streamed = 0;
                try
                {
                    var stream = await _source.OpenBlobAsync(repository, blob.Digest, cancellationToken).ConfigureAwait(false);
                    await using (stream.ConfigureAwait(false))
                    {
                        var result = await _copier.CopyAsync(
                            stream,
                            blob.Digest,
                            blob.Size,
                            mirrors,
                            n =>
                            {
                                streamed += n;
                                Counters.BytesStreamed(n);
                            },
                            cancellationToken).ConfigureAwait(false);
                        if (!result.Verified)
                        {
                            Counters.BlobFailed();
                            Fail(blob.Digest, $"refused (from {repository}): {result.Problem}");
                            return false;
                        }

                        foreach (var target in targets)
                        {
                            target.Blobs[blob.Digest] = result.Bytes;
                        }

                        Counters.BlobCopied(result.Bytes);
                        _reporter.BlobCopied(blob.Digest, result.Bytes, targets.Count);
                        return true;
                    }
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    Counters.BytesStreamed(-Interlocked.Read(ref streamed));

                    // A 4xx (blob unknown, denied) will not change on a retry; a 5xx or a broken stream may.
                    if (attempt >= context.Plan.BlobAttempts || e is RegistryException { StatusCode: < System.Net.HttpStatusCode.InternalServerError })
                    {
                        Counters.BlobFailed();
                        Fail(blob.Digest, $"copy failed after {attempt} attempts (from {repository}): {e.Message}");
                        return false;
                    }

                    _reporter.Retrying(blob.Digest, attempt, e.Message);
                    await Task.Delay(TimeSpan.FromSeconds(attempt), _time, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            context.BlobGate.Release();
        }
    }

    /// <summary>Writes the markers of every manifest of the walk whose blobs (its own and its children's) a destination holds.</summary>
    private async Task RecordAsync(RunContext context, string repository, WalkResult walk, bool recordRoot, CancellationToken cancellationToken)
    {
        var byDigest = walk.Manifests.ToDictionary(m => m.Digest, StringComparer.Ordinal);
        var needs = new Dictionary<string, IReadOnlyList<BlobReference>>(StringComparer.Ordinal);

        // Children come after their index in walk order, so record in reverse: children first.
        for (var i = walk.Manifests.Count - 1; i >= (recordRoot ? 0 : 1); i--)
        {
            var manifest = walk.Manifests[i];
            var blobs = Closure(manifest, byDigest, needs);
            var marker = new ManifestMarker(manifest.Digest, manifest.MediaType, repository, [.. blobs.Select(b => new MarkedBlob(b.Digest, b.Size))]);
            foreach (var state in context.States)
            {
                if (!state.Markers.ContainsKey(manifest.Digest) && blobs.All(b => state.Has(b.Digest, b.Size)))
                {
                    try
                    {
                        await state.Mirror.WriteMarkerAsync(marker, cancellationToken).ConfigureAwait(false);
                        state.Markers[manifest.Digest] = true;
                    }
                    catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                    {
                        Fail($"{state.Mirror.Url}", $"recording {manifest.Digest}: {e.Message}");
                    }
                }
            }
        }
    }

    /// <summary>A manifest's own blobs and, for an index, all its descendants' blobs, each once.</summary>
    private static IReadOnlyList<BlobReference> Closure(WalkedManifest manifest, Dictionary<string, WalkedManifest> byDigest, Dictionary<string, IReadOnlyList<BlobReference>> memo)
    {
        if (memo.TryGetValue(manifest.Digest, out var known))
        {
            return known;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var blobs = new List<BlobReference>();
        foreach (var blob in manifest.Blobs.Concat(manifest.Children.Where(byDigest.ContainsKey).SelectMany(c => Closure(byDigest[c], byDigest, memo))))
        {
            if (seen.Add(blob.Digest))
            {
                blobs.Add(blob);
            }
        }

        memo[manifest.Digest] = blobs;
        return blobs;
    }

    private async Task WriteInventoryAsync(DestinationInventory state, CancellationToken cancellationToken)
    {
        try
        {
            await state.Mirror.WriteInventoryAsync(state.Blobs.Keys, cancellationToken).ConfigureAwait(false);
            _reporter.Info($"{state.Mirror.Url}: inventory of {state.Blobs.Count} blobs written");
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            Fail($"{state.Mirror.Url}", "writing the inventory: " + e.Message);
        }
    }

    private void Fail(string subject, string reason)
    {
        var failure = new SyncFailure(subject, reason);
        _failures.Enqueue(failure);
        _reporter.Failed(failure);
    }

    /// <summary>What every task of one run shares.</summary>
    private sealed record RunContext(SyncPlan Plan, IReadOnlyList<DestinationInventory> States, SemaphoreSlim BlobGate);
}
