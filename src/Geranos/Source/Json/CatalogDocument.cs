namespace Geranos.Source.Json;

/// <summary>A page of <c>GET /v2/_catalog</c> (https://distribution.github.io/distribution/spec/api/#catalog).</summary>
internal sealed class CatalogDocument
{
    public IReadOnlyList<string>? Repositories { get; init; }
}
