namespace Geranos.Source.Json;

/// <summary>
/// An OCI content descriptor (https://github.com/opencontainers/image-spec/blob/main/descriptor.md);
/// Docker schema 2 uses the same shape.
/// </summary>
internal sealed class DescriptorDocument
{
    public string? MediaType { get; init; }

    public string? Digest { get; init; }

    public long? Size { get; init; }
}
