namespace Geranos.Source.Json;

/// <summary>A page of <c>GET /v2/&lt;name&gt;/tags/list</c> (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#content-discovery).</summary>
internal sealed class TagListDocument
{
    public string? Name { get; init; }

    public IReadOnlyList<string>? Tags { get; init; }
}
