namespace Geranos.Source;

/// <summary>One manifest that <see cref="ManifestWalker"/> fetched.</summary>
/// <param name="Digest">Its digest.</param>
/// <param name="MediaType">Its media type as served.</param>
/// <param name="Bytes">Its bytes as served, to be stored unchanged.</param>
/// <param name="Children">For an index or manifest list, the manifests it lists (by digest); empty otherwise.</param>
/// <param name="Blobs">For an image manifest or artifact, the config and layers (schema 1: <c>fsLayers</c>); empty for an index.</param>
internal sealed record WalkedManifest(
    string Digest,
    string MediaType,
    ReadOnlyMemory<byte> Bytes,
    IReadOnlyList<string> Children,
    IReadOnlyList<BlobReference> Blobs);
