using System.Collections.Concurrent;
using Geranos.Source;

namespace Geranos.Sync;

/// <summary>
/// The manifests of a run, tag by tag: a tag whose digest every destination records is skipped (only its referrers
/// are asked for); any other is walked, once per digest however many tags name it, its blobs copied
/// (<see cref="BlobSync"/>), its referrers mirrored, and its manifests recorded (<see cref="DestinationRecorder"/>).
/// A manifest with a failed blob or referrer is not recorded, so the next run tries it again.
/// </summary>
internal sealed class ManifestSync(RegistryClient source, BlobSync blobs, DestinationRecorder recorder, ISyncReporter reporter, SyncCounters counters, SyncFailures failures)
{
    private readonly ManifestWalker _walker = new(source);
    private readonly ConcurrentDictionary<string, Lazy<Task<bool>>> _roots = new(StringComparer.Ordinal);
    private int _referrersUnsupported;

    /// <summary>
    /// One tag: skipped when its digest is recorded everywhere (only its referrers are asked for), else mirrored,
    /// once per digest however many tags name it.
    /// </summary>
    public async Task MirrorTagAsync(SyncRunContext context, string repository, string tag, CancellationToken cancellationToken)
    {
        try
        {
            var digest = await source.ResolveAsync(repository, tag, cancellationToken).ConfigureAwait(false);
            if (digest is not null && context.RecordedEverywhere(digest))
            {
                counters.ManifestRecorded();
                reporter.ManifestRecorded(repository, tag, digest);
                await MirrorReferrersAsync(context, repository, digest, cancellationToken).ConfigureAwait(false);
                return;
            }

            _ = digest is null
                ? await MirrorManifestAsync(context, repository, tag, cancellationToken).ConfigureAwait(false)
                : await MirrorOnceAsync(context, repository, digest, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            counters.ManifestFailed();
            failures.Add($"{repository}:{tag}", e.Message);
        }

        counters.ManifestDone();
    }

    private Task<bool> MirrorOnceAsync(SyncRunContext context, string repository, string digest, CancellationToken cancellationToken)
        => _roots.GetOrAdd(digest, d => new Lazy<Task<bool>>(() => MirrorManifestAsync(context, repository, d, cancellationToken))).Value;

    /// <summary>
    /// Walks <paramref name="reference"/>, copies its blobs, mirrors its referrers, and records every manifest
    /// of the walk in each destination that holds all of that manifest's blobs: children before their index, so
    /// an interrupted run never records an index whose children are not, and the root only when its referrers
    /// are mirrored too, so that a failed referrer is tried again next run.
    /// </summary>
    private async Task<bool> MirrorManifestAsync(SyncRunContext context, string repository, string reference, CancellationToken cancellationToken)
    {
        WalkResult walk;
        try
        {
            walk = await _walker.WalkAsync(repository, reference, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            counters.ManifestFailed();
            failures.Add($"{repository}@{reference}", e.Message);
            return false;
        }

        var copies = await Task.WhenAll(walk.Blobs.Select(blob => blobs.CopyOnceAsync(context, repository, blob, cancellationToken))).ConfigureAwait(false);
        var referrers = true;
        foreach (var manifest in walk.Manifests)
        {
            referrers &= await MirrorReferrersAsync(context, repository, manifest.Digest, cancellationToken).ConfigureAwait(false);
        }

        var recorded = context.Plan.DryRun
            || await recorder.RecordAsync(context, repository, walk, recordRoot: referrers, cancellationToken).ConfigureAwait(false);

        var ok = referrers && recorded && copies.All(c => c);
        if (ok)
        {
            counters.ManifestMirrored();
        }
        else
        {
            counters.ManifestFailed();
        }
        reporter.ManifestMirrored(repository, reference, walk.RootDigest, walk.Blobs.Count);
        return ok;
    }

    /// <summary>
    /// The referrers of <paramref name="digest"/> (signatures, SBOMs, attestations), each mirrored as a manifest of
    /// its own, when the registry offers the referrers API (OCI distribution-spec 1.1,
    /// https://github.com/opencontainers/distribution-spec/blob/main/spec.md#listing-referrers). The first answer
    /// saying it does not is remembered for the run. Tag-schema referrers (<c>sha256-….sig</c>) are tags and come
    /// with the tag list.
    /// </summary>
    private async Task<bool> MirrorReferrersAsync(SyncRunContext context, string repository, string digest, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _referrersUnsupported) != 0)
        {
            return true;
        }

        IReadOnlyList<string>? referrers;
        try
        {
            referrers = await source.ListReferrersAsync(repository, digest, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            failures.Add($"{repository}@{digest}", "listing referrers: " + e.Message);
            return false;
        }

        if (referrers is null)
        {
            Interlocked.Exchange(ref _referrersUnsupported, 1);
            return true;
        }

        var ok = true;
        foreach (var referrer in referrers.Where(r => !context.RecordedEverywhere(r)))
        {
            counters.ManifestsFound(1);
            ok &= await MirrorOnceAsync(context, repository, referrer, cancellationToken).ConfigureAwait(false);
            counters.ManifestDone();
        }

        return ok;
    }
}
