using System.Text.Json.Serialization;

namespace Geranos.Destination.Json;

/// <summary>
/// Source-generated (reflection-free, trimmable) JSON for what Geranos stores in the bucket. Missing or null required
/// properties fail to parse rather than producing a marker with holes.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ManifestMarker))]
internal sealed partial class DestinationJsonContext : JsonSerializerContext;
