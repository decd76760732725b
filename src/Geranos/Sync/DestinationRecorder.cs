using Geranos.Destination;
using Geranos.Source;

namespace Geranos.Sync;

/// <summary>
/// What a run writes into the destinations besides blobs: the marker of each manifest a destination holds complete
/// (<c>geranos/manifests/&lt;digest&gt;</c>), and at the end its inventory (<c>geranos/inventory.txt</c>). A write
/// that fails is a failure of the run; the next run writes it again.
/// </summary>
internal sealed class DestinationRecorder(ISyncReporter reporter, SyncFailures failures)
{
    /// <summary>Writes the markers of every manifest of the walk whose blobs (its own and its children's) a destination holds.</summary>
    public async Task RecordAsync(SyncRunContext context, string repository, WalkResult walk, bool recordRoot, CancellationToken cancellationToken)
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
                        failures.Add($"{state.Mirror.Url}", $"recording {manifest.Digest}: {e.Message}");
                    }
                }
            }
        }
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

    private async Task WriteInventoryAsync(DestinationInventory state, CancellationToken cancellationToken)
    {
        try
        {
            await state.Mirror.WriteInventoryAsync(state.Blobs.Keys, cancellationToken).ConfigureAwait(false);
            reporter.Info($"{state.Mirror.Url}: inventory of {state.Blobs.Count} blobs written");
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            failures.Add($"{state.Mirror.Url}", "writing the inventory: " + e.Message);
        }
    }
}
