using System.Text.Json;
using Archeio.Oci.MediaTypes;
using Geranos.Source.Json;

namespace Geranos.Source;

/// <summary>
/// Walks a reference down to the blobs a mirror must copy. Indexes and manifest lists recurse into their
/// children by digest (https://github.com/opencontainers/image-spec/blob/main/image-index.md); image manifests
/// and artifacts of any config media type give their config and layers
/// (https://github.com/opencontainers/image-spec/blob/main/manifest.md); the OCI 1.1-rc artifact manifest gives its
/// <c>blobs</c>; Docker schema 1 gives <c>fsLayers[].blobSum</c> (https://distribution.github.io/distribution/spec/manifest-v2-1/).
/// </summary>
internal sealed class ManifestWalker(RegistryClient client)
{
    /// <summary>Nesting deeper than this is a loop or an abuse, not an image.</summary>
    private const int MaxDepth = 8;

    private readonly RegistryClient _client = client;

    public async Task<WalkResult> WalkAsync(string repository, string reference, CancellationToken cancellationToken = default)
    {
        var manifests = new List<WalkedManifest>();
        var seenManifests = new HashSet<string>(StringComparer.Ordinal);
        var blobs = new List<BlobReference>();
        var seenBlobs = new HashSet<string>(StringComparer.Ordinal);
        var root = await VisitAsync(repository, reference, 0, manifests, seenManifests, blobs, seenBlobs, cancellationToken).ConfigureAwait(false);
        return new WalkResult(root, manifests, blobs);
    }

    /// <summary>Parses a manifest of any kind into its children and blobs (no network).</summary>
    public static (IReadOnlyList<string> Children, IReadOnlyList<BlobReference> Blobs) Parse(string mediaType, ReadOnlySpan<byte> bytes)
    {
        var document = JsonSerializer.Deserialize(bytes, SourceJsonContext.Default.ManifestDocument)
            ?? throw new InvalidDataException("the manifest is JSON null");
        var children = new List<string>();
        var blobs = new List<BlobReference>();
        if (ManifestMediaTypes.IsIndex(mediaType) || (document.Manifests is not null && document.Config is null))
        {
            foreach (var child in document.Manifests ?? [])
            {
                children.Add(RequireDigest(child));
            }
        }
        else if (ManifestMediaTypes.IsSchema1(mediaType) || document.SchemaVersion == 1)
        {
            foreach (var layer in document.FsLayers ?? [])
            {
                blobs.Add(new BlobReference(layer.BlobSum ?? throw new InvalidDataException("an fsLayers entry without blobSum"), null, null));
            }
        }
        else
        {
            if (document.Config is { } config)
            {
                blobs.Add(Blob(config));
            }

            foreach (var layer in (document.Layers ?? []).Concat(document.Blobs ?? []))
            {
                blobs.Add(Blob(layer));
            }
        }

        return (children, blobs);
    }

    private async Task<string> VisitAsync(
        string repository,
        string reference,
        int depth,
        List<WalkedManifest> manifests,
        HashSet<string> seenManifests,
        List<BlobReference> blobs,
        HashSet<string> seenBlobs,
        CancellationToken cancellationToken)
    {
        if (depth > MaxDepth)
        {
            throw new InvalidDataException($"{repository}@{reference}: manifests nest deeper than {MaxDepth}");
        }

        var fetched = await _client.GetManifestAsync(repository, reference, cancellationToken).ConfigureAwait(false);
        if (!seenManifests.Add(fetched.Digest))
        {
            return fetched.Digest;
        }

        var (children, manifestBlobs) = Parse(fetched.MediaType, fetched.Bytes.Span);
        manifests.Add(new WalkedManifest(fetched.Digest, fetched.MediaType, fetched.Bytes, children, manifestBlobs));
        foreach (var blob in manifestBlobs)
        {
            // Schema 1 repeats a blobSum for every empty layer; one copy is enough.
            if (seenBlobs.Add(blob.Digest))
            {
                blobs.Add(blob);
            }
        }

        foreach (var child in children)
        {
            if (!seenManifests.Contains(child))
            {
                await VisitAsync(repository, child, depth + 1, manifests, seenManifests, blobs, seenBlobs, cancellationToken).ConfigureAwait(false);
            }
        }

        return fetched.Digest;
    }

    private static string RequireDigest(DescriptorDocument descriptor)
        => descriptor.Digest ?? throw new InvalidDataException("a descriptor without a digest");

    private static BlobReference Blob(DescriptorDocument descriptor) => new(RequireDigest(descriptor), descriptor.Size, descriptor.MediaType);
}
