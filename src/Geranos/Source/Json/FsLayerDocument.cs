namespace Geranos.Source.Json;

/// <summary>One <c>fsLayers</c> entry of a Docker schema 1 manifest (https://distribution.github.io/distribution/spec/manifest-v2-1/).</summary>
internal sealed class FsLayerDocument
{
    public string? BlobSum { get; init; }
}
