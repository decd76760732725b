namespace Geranos.Source;

/// <summary>Everything one reference needs in a mirror.</summary>
/// <param name="RootDigest">The digest the reference resolved to.</param>
/// <param name="Manifests">Every manifest reached, the root first, each once.</param>
/// <param name="Blobs">Every blob of every manifest, each once, in walk order.</param>
internal sealed record WalkResult(string RootDigest, IReadOnlyList<WalkedManifest> Manifests, IReadOnlyList<BlobReference> Blobs)
{
    public WalkedManifest Root => Manifests[0];
}
