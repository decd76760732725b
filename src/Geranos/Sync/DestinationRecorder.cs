using Geranos.Destination;
using Geranos.Source;

namespace Geranos.Sync;

/// <summary>
/// What a run writes into the destinations besides blobs: each manifest's object
/// (<c>containers/manifests/&lt;digest&gt;</c>) and marker (<c>geranos/manifests/&lt;digest&gt;</c>) in each destination
/// that holds it complete, and at the end the inventories (<c>geranos/inventory.txt</c>,
/// <c>geranos/manifest-inventory.txt</c>). A write that fails is a failure of the run; the next run writes it again.
/// </summary>
internal sealed class DestinationRecorder(ISyncReporter reporter, SyncFailures failures, SyncCounters counters)
{
    /// <summary>
    /// Stores and records every manifest of the walk in each destination that holds its blobs (its own and, for an
    /// index, its children's) and, for an index, its children's objects. In that order, children first: the object
    /// once its blobs are there, so Archeio, which may serve it as soon as it is visible, never hands out a manifest
    /// whose blobs or children are missing; the marker once the object is there, so a marker always means the object
    /// is present. The root's marker waits for <paramref name="recordRoot"/> (its referrers mirrored); its object does not.
    /// </summary>
    /// <returns>Whether every manifest could be stored and recorded wherever its blobs are.</returns>
    public async Task<bool> RecordAsync(SyncRunContext context, string repository, WalkResult walk, bool recordRoot, CancellationToken cancellationToken)
    {
        var byDigest = walk.Manifests.ToDictionary(m => m.Digest, StringComparer.Ordinal);
        var needs = new Dictionary<string, IReadOnlyList<BlobReference>>(StringComparer.Ordinal);
        var ok = true;

        // Children come after their index in walk order, so record in reverse: children first.
        for (var i = walk.Manifests.Count - 1; i >= 0; i--)
        {
            var manifest = walk.Manifests[i];

            // The walk checked the bytes against the digest asked for and the registry's header; this checks them
            // against the key they would be stored under (S3Mirror.WriteManifestAsync checks again, per PUT).
            if (ManifestContent.Verify(manifest.Digest, manifest.MediaType, manifest.Bytes) is { } problem)
            {
                failures.Add(manifest.Digest, $"manifest refused (from {repository}): {problem}");
                ok = false;
                continue;
            }

            var blobs = Closure(manifest, byDigest, needs);
            var marker = new ManifestMarker(manifest.Digest, manifest.MediaType, repository, [.. blobs.Select(b => new MarkedBlob(b.Digest, b.Size))]);
            foreach (var state in context.States)
            {
                if (!blobs.All(b => state.Has(b.Digest, b.Size)) || !manifest.Children.All(state.Manifests.ContainsKey))
                {
                    continue;
                }

                ok &= await StoreAsync(state, manifest, cancellationToken).ConfigureAwait(false)
                    && ((i == 0 && !recordRoot) || await MarkAsync(state, marker, cancellationToken).ConfigureAwait(false));
            }
        }

        return ok;
    }

    /// <summary>Writes each destination's inventory, all at once.</summary>
    public Task WriteInventoriesAsync(IReadOnlyList<DestinationInventory> states, CancellationToken cancellationToken)
        => Task.WhenAll(states.Select(state => WriteInventoryAsync(state, cancellationToken)));

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

    /// <summary>The manifest's object, unless the destination has it: a re-sync never rewrites one (its key is its content).</summary>
    private async Task<bool> StoreAsync(DestinationInventory state, WalkedManifest manifest, CancellationToken cancellationToken)
    {
        if (state.Manifests.ContainsKey(manifest.Digest))
        {
            return true;
        }

        try
        {
            await state.Mirror.WriteManifestAsync(manifest.Digest, manifest.MediaType, manifest.Bytes, cancellationToken).ConfigureAwait(false);
            state.Manifests[manifest.Digest] = true;
            counters.ManifestObjectWritten();
            return true;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            failures.Add($"{state.Mirror.Url}", $"storing manifest {manifest.Digest}: {e.Message}");
            return false;
        }
    }

    private async Task<bool> MarkAsync(DestinationInventory state, ManifestMarker marker, CancellationToken cancellationToken)
    {
        if (state.Markers.ContainsKey(marker.Digest))
        {
            return true;
        }

        try
        {
            await state.Mirror.WriteMarkerAsync(marker, cancellationToken).ConfigureAwait(false);
            state.Markers[marker.Digest] = true;
            return true;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            failures.Add($"{state.Mirror.Url}", $"recording {marker.Digest}: {e.Message}");
            return false;
        }
    }

    /// <summary>
    /// Both inventories of one destination: the blobs with their sizes (<c>geranos/inventory.txt</c>, blobs only, as
    /// Archeio reads it; the sizes are the stored objects', listed or copied this run) and the manifest objects (<c>geranos/manifest-inventory.txt</c>). Written after every object of the run,
    /// so neither lists anything that is not there.
    /// </summary>
    private async Task WriteInventoryAsync(DestinationInventory state, CancellationToken cancellationToken)
    {
        try
        {
            await state.Mirror.WriteInventoryAsync(state.Blobs, cancellationToken).ConfigureAwait(false);
            reporter.Info($"{state.Mirror.Url}: inventory of {state.Blobs.Count} blobs written");
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            failures.Add($"{state.Mirror.Url}", "writing the inventory: " + e.Message);
        }

        try
        {
            await state.Mirror.WriteManifestInventoryAsync(state.Manifests.Keys, cancellationToken).ConfigureAwait(false);
            reporter.Info($"{state.Mirror.Url}: manifest inventory of {state.Manifests.Count} manifests written");
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            failures.Add($"{state.Mirror.Url}", "writing the manifest inventory: " + e.Message);
        }
    }
}
