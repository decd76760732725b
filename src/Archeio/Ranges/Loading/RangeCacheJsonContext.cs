using System.Text.Json.Serialization;

namespace Archeio.Ranges.Loading;

/// <summary>
/// Source-generated (reflection-free, trimmable) JSON for the cache sidecars. Nullable annotations and
/// constructor parameters are enforced, so a sidecar missing its <c>source</c> is rejected as corrupt.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(RangeCacheEntry))]
internal sealed partial class RangeCacheJsonContext : JsonSerializerContext;
