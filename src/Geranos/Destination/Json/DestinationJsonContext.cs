using System.Text.Encodings.Web;
using System.Text.Json;
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
internal sealed partial class DestinationJsonContext : JsonSerializerContext
{
    /// <summary>
    /// Like <see cref="Default"/>, but writes media types as they are (<c>+json</c>, not <c>\u002Bjson</c>): markers are
    /// read by people browsing the bucket and never embedded in HTML, which is all the default escaping guards against.
    /// </summary>
    public static DestinationJsonContext Readable { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
