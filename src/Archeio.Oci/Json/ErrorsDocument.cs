namespace Archeio.Oci.Json;

/// <summary>An error body (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#error-codes).</summary>
internal sealed class ErrorsDocument
{
    public IReadOnlyList<ErrorDocument>? Errors { get; init; }
}
