namespace Geranos.Source.Json;

/// <summary>
/// Every manifest kind in one shape, since the kind is known only after parsing: image manifests and artifacts
/// (<c>config</c>, <c>layers</c>), indexes and manifest lists (<c>manifests</c>), the OCI 1.1-rc artifact
/// manifest (<c>blobs</c>), Docker schema 1 (<c>fsLayers</c>). <c>subject</c> is deliberately absent: a referrer
/// points at its subject, the subject is not part of it.
/// </summary>
internal sealed class ManifestDocument
{
    public int SchemaVersion { get; init; }

    public string? MediaType { get; init; }

    public DescriptorDocument? Config { get; init; }

    public IReadOnlyList<DescriptorDocument>? Layers { get; init; }

    public IReadOnlyList<DescriptorDocument>? Manifests { get; init; }

    public IReadOnlyList<DescriptorDocument>? Blobs { get; init; }

    public IReadOnlyList<FsLayerDocument>? FsLayers { get; init; }
}
