namespace Archeio.TestBed;

/// <summary>An image that <see cref="OciImageBuilder"/> wrote as an OCI image layout.</summary>
/// <param name="LayoutDirectory">The layout's directory (holds <c>oci-layout</c>, <c>index.json</c>, <c>blobs/</c>).</param>
/// <param name="Tag">The <c>org.opencontainers.image.ref.name</c> of the image in <c>index.json</c>.</param>
/// <param name="Digest">The top-level digest a registry reports for the tag: the manifest's, or the index's for a multi-platform image.</param>
/// <param name="MediaType">The top-level media type (<see cref="OciMediaTypes.ImageManifest"/> or <see cref="OciMediaTypes.ImageIndex"/>).</param>
/// <param name="Size">The top-level manifest or index size in bytes.</param>
/// <param name="BlobDigests">Every config and layer blob of every platform, without duplicates.</param>
/// <param name="ChildManifestDigests">For an index, its platform manifests; empty otherwise.</param>
/// <param name="Platforms">Per platform (<c>linux/amd64</c>, ...): its manifest, config and layers.</param>
/// <param name="BlobSizes">The size of every blob in <paramref name="BlobDigests"/>.</param>
internal sealed record BuiltImage(
    string LayoutDirectory,
    string Tag,
    string Digest,
    string MediaType,
    long Size,
    IReadOnlyList<string> BlobDigests,
    IReadOnlyList<string> ChildManifestDigests,
    IReadOnlyDictionary<string, PlatformImage> Platforms,
    IReadOnlyDictionary<string, long> BlobSizes)
{
    /// <summary>The image as skopeo's <c>oci:</c> transport names it, without the transport: <c>&lt;layout&gt;:&lt;tag&gt;</c>.</summary>
    public string LayoutReference => LayoutDirectory + ":" + Tag;

    public bool IsIndex => MediaType == OciMediaTypes.ImageIndex;

    /// <summary>Every manifest digest: the top-level one and, for an index, its children.</summary>
    public IReadOnlyList<string> ManifestDigests => [Digest, .. ChildManifestDigests];

    /// <summary>The image of the only platform; throws for a multi-platform image.</summary>
    public PlatformImage SinglePlatform => Platforms.Count == 1
        ? Platforms.Values.First()
        : throw new InvalidOperationException($"{Tag} has {Platforms.Count} platforms");

    /// <summary>The blob path of one of this image's blobs inside the layout.</summary>
    public string BlobPath(string digest) => Path.Combine(LayoutDirectory, "blobs", "sha256", digest["sha256:".Length..]);
}
