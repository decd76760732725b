namespace Archeio.Tests.EndToEnd.Conformance;

/// <summary>A manifest or index pushed to the bed, and the reference a check asks for it by.</summary>
/// <param name="Image">The image (repository name without the target's prefix).</param>
/// <param name="Reference">A tag, or the manifest's digest.</param>
/// <param name="Digest">The manifest's digest.</param>
/// <param name="MediaType">Its <c>mediaType</c>, as pushed.</param>
/// <param name="Size">Its size in bytes.</param>
internal sealed record ManifestCase(string Image, string Reference, string Digest, string MediaType, long Size)
{
    public bool ByDigest => Reference == Digest;
}

/// <summary>A config or layer blob pushed to the bed, its bytes, and whether the mirror holds it.</summary>
internal sealed record BlobCase(string Image, string Digest, ReadOnlyMemory<byte> Content, bool Mirrored);

/// <summary>What the bed pushed, as the checks need it.</summary>
/// <param name="RegistryName">The upstream registry, for skip reasons (Distribution 2.8).</param>
/// <param name="Manifests">Every manifest by tag and by digest: the single-platform manifest, the index and its two platform manifests.</param>
/// <param name="Blobs">Every config and layer of both images.</param>
/// <param name="TaggedImage">The image that carries <paramref name="Tags"/>.</param>
/// <param name="Tags">Its tags, as pushed.</param>
/// <param name="OtherImage">Another image in its own repository, which holds none of <paramref name="TaggedImage"/>'s layers.</param>
/// <param name="ReferrersSubject">A manifest digest to ask the referrers of.</param>
internal sealed record ConformanceContent(
    string RegistryName,
    IReadOnlyList<ManifestCase> Manifests,
    IReadOnlyList<BlobCase> Blobs,
    string TaggedImage,
    IReadOnlyList<string> Tags,
    string OtherImage,
    string ReferrersSubject)
{
    /// <summary>A repository nothing was pushed to.</summary>
    public const string UnknownImage = "no-such-repository";

    /// <summary>A tag no repository has.</summary>
    public const string MissingTag = "no-such-tag";

    /// <summary>A well-formed digest of no content in the bed.</summary>
    public const string MissingDigest = "sha256:5eb63bbbe01eeed093cb22bb8f5acdc3aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

    /// <summary>Not a digest of the image spec's grammar (the encoding of sha256 is 64 lowercase hex digits).</summary>
    public const string InvalidDigest = "sha256:xyz";
}
