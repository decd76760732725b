using System.Collections.Concurrent;
using Geranos.Destination;

namespace Geranos.Sync;

/// <summary>
/// What one destination holds, as listed at the start of a run and updated as blobs are copied: blob digests
/// with their sizes, the manifests stored as objects, and the manifests recorded as complete. Listing once replaces a
/// HEAD per blob or manifest.
/// </summary>
internal sealed class DestinationInventory
{
    private DestinationInventory(S3Mirror mirror, IReadOnlyDictionary<string, long> blobs, IReadOnlySet<string> manifests, IReadOnlySet<string> markers)
    {
        Manifests = new ConcurrentDictionary<string, bool>(manifests.Select(m => KeyValuePair.Create(m, true)), StringComparer.Ordinal);
        Mirror = mirror;
        Blobs = new ConcurrentDictionary<string, long>(blobs, StringComparer.Ordinal);
        Markers = new ConcurrentDictionary<string, bool>(markers.Select(m => KeyValuePair.Create(m, true)), StringComparer.Ordinal);
        InitialBlobs = blobs.Count;
    }

    public S3Mirror Mirror { get; }

    public ConcurrentDictionary<string, long> Blobs { get; }

    /// <summary>Manifests present under <c>containers/manifests/</c>.</summary>
    public ConcurrentDictionary<string, bool> Manifests { get; }

    /// <summary>Manifests with a marker under <c>geranos/manifests/</c>.</summary>
    public ConcurrentDictionary<string, bool> Markers { get; }

    public int InitialBlobs { get; }

    public static async Task<DestinationInventory> LoadAsync(S3Mirror mirror, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mirror);
        var blobs = mirror.ListBlobsAsync(cancellationToken);
        var manifests = mirror.ListManifestsAsync(cancellationToken);
        var markers = mirror.ListMarkersAsync(cancellationToken);
        return new DestinationInventory(mirror, await blobs.ConfigureAwait(false), await manifests.ConfigureAwait(false), await markers.ConfigureAwait(false));
    }

    /// <summary>
    /// Whether the manifest is complete here: recorded and stored. A destination synced by a Geranos older than manifest
    /// objects has markers without them; such a manifest is walked again (its blobs are present, so nothing is copied)
    /// and its object written.
    /// </summary>
    public bool Holds(string digest) => Markers.ContainsKey(digest) && Manifests.ContainsKey(digest);

    /// <summary>Present, and of the descriptor's size when it gives one: a wrong-sized object is copied again.</summary>
    public bool Has(string digest, long? size) => Blobs.TryGetValue(digest, out var stored) && (size is null || stored == size);
}
